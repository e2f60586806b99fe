// Node's native SHA-256 for compiled policies (see digest.ts). Node-only: never imported by browser code.

import { createHash } from "node:crypto";
import { setPlatformSha256Bytes } from "./digest.js";

setPlatformSha256Bytes((bytes) => new Uint8Array(createHash("sha256").update(bytes).digest()));
