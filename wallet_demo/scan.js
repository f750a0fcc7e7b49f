/* Badge Wallet: reading QR codes from the camera, in the page.
 *
 * Camera frames never leave the page: they are read by the browser's own BarcodeDetector
 * where it has one for QR codes, and otherwise by the vendored zxing-wasm reader
 * (vendor/zxing-wasm-reader.js, loaded before this file; its .wasm is fetched from
 * vendor/ the first time a frame is read, never from another site).
 *
 *   const scanner = QrScan.watch(video, { interval, onFound, onError });
 *     reads the playing <video> every `interval` ms until a QR code is found: then calls
 *     onFound(text) once and stops. onError(error) hears of a frame that could not be read
 *     (the loop goes on). scanner.ready resolves with the reader's name ("native" or
 *     "zxing-wasm"), or rejects when this browser can read no QR code (the loop has then
 *     stopped). scanner.stop() stops it.
 *   QrScan.read(source) -> Promise<string|null>: the text of the first QR code in a video,
 *     image, canvas or ImageBitmap, or null.
 *   QrScan.frames: how many frames the camera loops have read (for tests and diagnostics).
 */
"use strict";

window.QrScan = (() => {
  const script = document.currentScript;
  const HERE = script && script.src ? script.src : location.href;
  const WASM_URL = new URL("vendor/zxing_reader.wasm", HERE).href;
  // Frames are scaled down to this longest side first: enough for a QR code that fills a
  // fair part of the picture, and it keeps each read short on a phone.
  const MAX_SIDE = 1024;
  const ZXING_OPTIONS = { formats: ["QRCode"], maxNumberOfSymbols: 1, tryHarder: true };

  let frames = 0;
  let readerPromise = null;

  /** The browser's own QR code reader, or null. */
  async function nativeReader() {
    if (!("BarcodeDetector" in window)) return null;
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (!formats.includes("qr_code")) return null;
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return {
        name: "native",
        async read(source) {
          const codes = await detector.detect(source);
          return codes.length ? codes[0].rawValue : null;
        },
      };
    } catch { return null; }
  }

  /** The vendored zxing-wasm reader, its WebAssembly module compiled and ready. */
  async function zxingReader() {
    const zxing = window.ZXingWASM;
    if (!zxing) throw new Error("the QR code reader did not load");
    await zxing.prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? WASM_URL : prefix + path) },
      fireImmediately: true,
    });
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    return {
      name: "zxing-wasm",
      async read(source) {
        const width = source.videoWidth || source.naturalWidth || source.width;
        const height = source.videoHeight || source.naturalHeight || source.height;
        if (!width || !height) return null;
        const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
        canvas.width = Math.max(1, Math.round(width * scale));
        canvas.height = Math.max(1, Math.round(height * scale));
        context.drawImage(source, 0, 0, canvas.width, canvas.height);
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
        const results = await zxing.readBarcodes(pixels, ZXING_OPTIONS);
        const hit = results.find((result) => result.isValid && result.text);
        return hit ? hit.text : null;
      },
    };
  }

  /** The reader this page uses: the native one when there is one, else zxing-wasm. */
  function reader() {
    if (!readerPromise) {
      readerPromise = (async () => (await nativeReader()) || zxingReader())();
      // A module that failed to load (say, the network dropped) is tried again next time.
      readerPromise.catch(() => {
        readerPromise = null;
        if (window.ZXingWASM) window.ZXingWASM.purgeZXingModule();
      });
    }
    return readerPromise;
  }

  async function read(source) {
    return (await reader()).read(source);
  }

  function watch(video, { interval = 300, onFound, onError } = {}) {
    let stopped = false;
    let timer = 0;
    const stop = () => { stopped = true; clearTimeout(timer); };
    const ready = reader().then((chosen) => {
      const tick = async () => {
        if (stopped) return;
        let text = null;
        try {
          if (video.readyState >= 2 && video.videoWidth > 0) {
            frames += 1;
            text = await chosen.read(video);
          }
        } catch (error) {
          if (!stopped && onError) onError(error);
        }
        if (stopped) return;
        if (text) { stop(); onFound(text); return; }
        timer = setTimeout(tick, interval);
      };
      if (!stopped) timer = setTimeout(tick, 0);
      return chosen.name;
    }, (error) => { stop(); throw error; });
    return { ready, stop };
  }

  return Object.freeze({ watch, read, get frames() { return frames; } });
})();
