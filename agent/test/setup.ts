import { afterAll } from "vitest";
import { removeTempDirs } from "./helpers/temp-dir";

// Tests share the machine with later runs (CI runs where development does): leave no temp dirs behind.
afterAll(removeTempDirs);
