import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: "ComputeSwarm — GPU compute, paid per job",
  description: "Rent GPUs from sellers worldwide and pay per job in USDC with x402.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
