import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { getChain, type ChainService } from "../../payments/chain-service";
import { createEscrowOps, type EscrowOps } from "../../payments/escrow/escrow-ops";

/**
 * The auth-capture escrow as the marketplace's operator drives it: our relayer (the
 * same nonce queue as every other transaction of that account) over the chain the
 * Deps are paid on. One EscrowOps per chain service.
 */
const opsByChain = new WeakMap<ChainService, EscrowOps>();

export async function getEscrow(deps: Pick<Deps, "env" | "local">): Promise<{ chain: ChainService; ops: EscrowOps }> {
  const chain = await getChain(deps);
  if (!chain.relayer) {
    throw new AppError(
      "SERVICE_UNAVAILABLE",
      "Escrowed payments need the marketplace's operator key (RELAYER_PRIVATE_KEY).",
      "escrow_unavailable",
    );
  }
  let ops = opsByChain.get(chain);
  if (!ops) {
    ops = createEscrowOps({ relayer: chain.relayer });
    opsByChain.set(chain, ops);
  }
  return { chain, ops };
}
