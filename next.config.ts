import type { NextConfig } from "next";
import { API_CONTENT_SECURITY_POLICY, MAIN_PORT_HEADERS } from "./src/server/security-headers";

const nextConfig: NextConfig = {
  output: "standalone",
  poweredByHeader: false,
  reactStrictMode: true,
  // Loaded from node_modules at run time: PGlite ships WebAssembly and data files that bundling breaks.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "prom-client"],
  outputFileTracingIncludes: {
    "/*": ["./drizzle/**/*"],
  },
  // The console calls them rules everywhere; links to the old page's address keep working (the query string is kept).
  async redirects() {
    return [{ source: "/grants", destination: "/rules", permanent: true }];
  },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: Object.entries(MAIN_PORT_HEADERS).map(([key, value]) => ({ key, value })),
      },
      {
        source: "/api/:path*",
        headers: [{ key: "Content-Security-Policy", value: API_CONTENT_SECURITY_POLICY }],
      },
    ];
  },
};

export default nextConfig;
