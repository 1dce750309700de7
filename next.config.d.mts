// Types for what other modules import from next.config.mjs (the test server, like server.mjs, sends its security headers).
import type { NextConfig } from "next";
export declare const securityHeaders: { key: string; value: string }[];
export declare const apiSecurityHeaders: { key: string; value: string }[];
declare const nextConfig: NextConfig;
export default nextConfig;
