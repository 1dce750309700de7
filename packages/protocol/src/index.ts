export * from "./fields";
export * from "./gpu";
export * from "./registration";
export * from "./v1";
export * from "./output";
export * from "./jobs";
export * from "./seller-messages";
export * from "./job-request";
