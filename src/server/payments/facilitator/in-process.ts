/**
 * The default facilitator: @x402/core's x402Facilitator with @x402/evm's exact
 * scheme, signing and sending with the marketplace's own relayer (one nonce queue).
 */
import { x402Facilitator } from "@x402/core/facilitator";
import { registerExactEvmScheme } from "@x402/evm/exact/facilitator";
import type { Relayer } from "../chain/relayer";
import type { Caip2Network } from "../networks";
import { FacilitatorUnavailableError, type Facilitator } from "./types";

export function createInProcessFacilitator(relayer: Relayer, network: Caip2Network): Facilitator {
  const facilitator = new x402Facilitator();
  registerExactEvmScheme(facilitator, { signer: relayer.signer, networks: network });
  const guard = async <T>(op: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw new FacilitatorUnavailableError(
        `facilitator ${op} failed: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  };
  return {
    kind: "in-process",
    verify: (payload, requirements) => guard("verify", () => facilitator.verify(payload, requirements)),
    settle: (payload, requirements) => guard("settle", () => facilitator.settle(payload, requirements)),
  };
}
