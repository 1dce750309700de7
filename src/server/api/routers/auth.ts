import { z } from "zod";
import { signatureSchema } from "@computeswarm/protocol";
import { publicProcedure, router } from "../trpc";
import {
  createSiweNonce,
  isAdmin,
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  signIn,
  signOut,
} from "../../services/auth/siwe";
import type { Context } from "../context";
import { signInHosts } from "../../public-url";
import { parseSiweMessage } from "viem/siwe";

const meOutput = z.object({ address: z.string(), isAdmin: z.boolean() }).nullable();

function sessionCookie(ctx: Context, value: string, maxAge: number) {
  // Secure whenever the marketplace is served over https (PUBLIC_URL), whatever NODE_ENV says.
  const secure = new URL(ctx.deps.env.PUBLIC_URL).protocol === "https:" ? "; Secure" : "";
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`;
}

export const authRouter = router({
  nonce: publicProcedure.output(z.object({ nonce: z.string() })).mutation(async ({ ctx }) => ({
    nonce: await createSiweNonce(ctx.deps),
  })),

  signIn: publicProcedure
    .input(z.object({ message: z.string().min(1).max(4000), signature: signatureSchema }))
    .output(meOutput)
    .mutation(async ({ ctx, input }) => {
      // Never the request's Host header: a message signed for another site, replayed
      // here with that site's Host, must not become a session. Only our own hosts count.
      const hosts = signInHosts(ctx.deps.env);
      const named = parseSiweMessage(input.message).domain;
      const expectedUrl = new URL(ctx.deps.env.PUBLIC_URL);
      expectedUrl.host = named && hosts.includes(named) ? named : hosts[0]!;
      const { sessionId, session } = await signIn(
        ctx.deps,
        { message: input.message, signature: input.signature as `0x${string}` },
        expectedUrl,
        ctx.deps.env.PUBLIC_URL,
      );
      ctx.resHeaders.append("Set-Cookie", sessionCookie(ctx, sessionId, SESSION_TTL_SECONDS));
      return { address: session.address, isAdmin: isAdmin(ctx.deps.env, session.address) };
    }),

  signOut: publicProcedure.output(z.object({ ok: z.boolean() })).mutation(async ({ ctx }) => {
    await signOut(ctx.deps, ctx.sessionId);
    ctx.resHeaders.append("Set-Cookie", sessionCookie(ctx, "", 0));
    return { ok: true };
  }),

  me: publicProcedure
    .output(meOutput)
    .query(({ ctx }) =>
      ctx.session ? { address: ctx.session.address, isAdmin: isAdmin(ctx.deps.env, ctx.session.address) } : null,
    ),
});
