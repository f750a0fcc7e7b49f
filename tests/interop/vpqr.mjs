#!/usr/bin/env node
/*
 * vpqr.mjs: the Digital Credentials Consortium's VP-QR libraries, for vcbadges' interop
 * tests. Install with `npm ci --prefix tests/interop`.
 *
 * Every command reads ONE JSON object on stdin and writes ONE JSON object on stdout; a
 * failure is {"error": "<message>"} with exit code 2. Contexts come from the bundled set
 * (dbvc.mjs's loader; VCBADGES_CONTEXTS_DIR points at it), never the network.
 *
 * node vpqr.mjs encode   in: {"document": {...}}  out: {"payload": "VP1-B…"}
 *   @digitalcredentials/vpqr 2.2.1 toQrCode (what the Learner Credential Wallet writes).
 * node vpqr.mjs decode   in: {"payload": "VP1-B…"}  out: {"document": {...}}
 *   @digitalcredentials/vpqr 2.2.1 fromQrCode (what the LCW and VerifierPlus read).
 * node vpqr.mjs decode8  in: {"cborld": "<hex>"}  out: {"document": {...}}
 *   @digitalbazaar/cborld 8 decode of CBOR-LD bytes.
 */
import {createDocumentLoader} from './dbvc.mjs';
import * as vpqr from '@digitalcredentials/vpqr';
import * as cborld8 from '@digitalbazaar/cborld';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function main(command) {
  const input = await readStdin();
  const documentLoader = createDocumentLoader();
  switch(command) {
    case 'encode': {
      const {payload} = await vpqr.toQrCode({vp: input.document, documentLoader});
      return {payload};
    }
    case 'decode': {
      const {vp} = await vpqr.fromQrCode({text: input.payload, documentLoader});
      return {document: vp};
    }
    case 'decode8': {
      const cborldBytes = new Uint8Array(Buffer.from(input.cborld, 'hex'));
      return {document: await cborld8.decode({cborldBytes, documentLoader})};
    }
    default:
      throw new Error('usage: node vpqr.mjs encode|decode|decode8');
  }
}

try {
  process.stdout.write(JSON.stringify(await main(process.argv[2])) + '\n');
} catch(e) {
  process.stdout.write(JSON.stringify({error: String(e && e.message || e)}) + '\n');
  process.exitCode = 2;
}
