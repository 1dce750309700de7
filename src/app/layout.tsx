import type { Metadata, Viewport } from "next";
import "./globals.css";
import { Providers } from "./providers";
import { Footer, Header } from "@/components/shell/header";

export const metadata: Metadata = {
  title: { default: "ComputeSwarm — GPU compute, paid per job", template: "%s · ComputeSwarm" },
  description: "Rent GPUs from sellers worldwide and pay per second used in USDC with x402.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#4f46e5" };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="flex min-h-screen flex-col">
        <Providers>
          <Header />
          <div className="flex-1">{children}</div>
          <Footer />
        </Providers>
      </body>
    </html>
  );
}
