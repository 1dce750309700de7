/**
 * What CHAIN=local adds to the marketplace: the test accounts, the embedded anvil, the local
 * chain's contracts and the demo (wallet, seller, node). Production reaches it only through
 * load.ts, so a real network never loads it.
 */
export { anvilAccount, DEMO_BUYER_ACCOUNT_INDEX, DEPLOYER_ACCOUNT_INDEX } from "./chain/accounts";
export { embeddedAnvil, stopEmbeddedAnvil } from "./chain/anvil";
export { defaultTestUsdcParams, localViemChain, predictTestUsdcAddress, setupLocalChain } from "./chain/local-chain";
export { startDemoAgent } from "./demo/demo-agent";
export { DEMO_BUYER_ADDRESS, demoWallet } from "./demo/demo-wallet";
