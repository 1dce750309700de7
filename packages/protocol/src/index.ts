export * from "./fields.js";
export * from "./gpu.js";
export * from "./registration.js";
export * from "./v1.js";
export * from "./output.js";
export * from "./jobs.js";
export * from "./seller-messages.js";
