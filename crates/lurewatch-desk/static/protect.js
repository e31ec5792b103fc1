// Protect my images: hashes pictures in this browser with the desk's WebAssembly PDQ
// hasher, so that only the hashes are sent. The pictures never leave the device.
(async function () {
  "use strict";
  const root = document.getElementById("protect");
  root.hidden = false;
  const status = document.getElementById("protect-status");
  const input = document.getElementById("pictures");
  const rows = document.querySelector("#protect-hashes tbody");
  const store = document.getElementById("protect-store");
  const hashes = [];
  let wasm;
  try {
    const response = await fetch("/static/lurewatch-pdq.wasm");
    wasm = (await WebAssembly.instantiate(await response.arrayBuffer(), {})).instance.exports;
  } catch (e) {
    status.textContent = root.dataset.failed;
    return;
  }

  function hashPixels(data, width, height) {
    const at = wasm.pixels(data.length);
    new Uint8Array(wasm.memory.buffer, at, data.length).set(data);
    const length = wasm.hash(width, height);
    if (!length) return null;
    const text = new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, wasm.answer(), length));
    const [hash, quality] = text.split(",");
    return { hash, quality: Number(quality) };
  }

  // The EXIF orientation of a JPEG (1–8), 1 when it has none. Browsers draw pictures
  // turned as EXIF says; the reference hasher (and `lurewatch hash`) hashes the pixels as
  // stored, so the turn is undone before hashing.
  async function orientation(file) {
    const view = new DataView(await file.slice(0, 131072).arrayBuffer());
    if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return 1;
    let at = 2;
    while (at + 4 <= view.byteLength) {
      const marker = view.getUint16(at);
      const length = view.getUint16(at + 2);
      if (marker === 0xffe1 && at + 10 <= view.byteLength && view.getUint32(at + 4) === 0x45786966) {
        const tiff = at + 10;
        if (tiff + 8 > view.byteLength) return 1;
        const little = view.getUint16(tiff) === 0x4949;
        const ifd = tiff + view.getUint32(tiff + 4, little);
        if (ifd + 2 > view.byteLength) return 1;
        const count = view.getUint16(ifd, little);
        for (let i = 0; i < count; i++) {
          const entry = ifd + 2 + i * 12;
          if (entry + 12 > view.byteLength) return 1;
          if (view.getUint16(entry, little) === 0x0112) {
            const value = view.getUint16(entry + 8, little);
            return value >= 1 && value <= 8 ? value : 1;
          }
        }
        return 1;
      }
      if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) return 1;
      at += 2 + length;
    }
    return 1;
  }

  // The canvas transform that takes the turned picture back to its stored pixels.
  function unturn(turn, width, height) {
    // `width` and `height` are the stored picture's.
    switch (turn) {
      case 2: return [-1, 0, 0, 1, width, 0];
      case 3: return [-1, 0, 0, -1, width, height];
      case 4: return [1, 0, 0, -1, 0, height];
      case 5: return [0, 1, 1, 0, 0, 0];
      case 6: return [0, -1, 1, 0, 0, height];
      case 7: return [0, -1, -1, 0, width, height];
      case 8: return [0, 1, -1, 0, width, 0];
      default: return [1, 0, 0, 1, 0, 0];
    }
  }

  function addRow(name, hash, quality) {
    const row = rows.insertRow();
    row.insertCell().textContent = name;
    const code = document.createElement("code");
    code.textContent = hash;
    row.insertCell().appendChild(code);
    row.insertCell().textContent = quality;
  }

  input.addEventListener("change", async function () {
    store.disabled = true;
    for (const file of input.files) {
      status.textContent = root.dataset.hashing + " " + file.name;
      try {
        const turn = await orientation(file);
        const bitmap = await createImageBitmap(file);
        const sideways = turn >= 5;
        const canvas = document.createElement("canvas");
        canvas.width = sideways ? bitmap.height : bitmap.width;
        canvas.height = sideways ? bitmap.width : bitmap.height;
        const context = canvas.getContext("2d", { willReadFrequently: true });
        context.setTransform(...unturn(turn, canvas.width, canvas.height));
        context.drawImage(bitmap, 0, 0);
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
        bitmap.close();
        const result = hashPixels(pixels, canvas.width, canvas.height);
        if (!result) throw new Error("not hashed");
        hashes.push(result);
        addRow(file.name, result.hash, result.quality);
      } catch (e) {
        addRow(file.name, root.dataset.unreadable, "");
      }
    }
    status.textContent = root.dataset.ready.replace("{n}", String(hashes.length));
    store.disabled = hashes.length === 0;
  });

  store.addEventListener("click", async function () {
    store.disabled = true;
    const response = await fetch("/api/v1/protect", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ hashes: hashes }),
    });
    const answer = await response.json();
    if (!response.ok) {
      status.textContent = answer.error ? answer.error.message : root.dataset.failed;
      store.disabled = false;
      return;
    }
    document.getElementById("protect-case").textContent = answer.case;
    document.getElementById("protect-pin").textContent = answer.pin;
    document.getElementById("protect-done").hidden = false;
  });
})();
