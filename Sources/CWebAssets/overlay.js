// camkit's overlay drawn in the page, shared by cam serve's viewer and the folder viewer of
// `cam explain --html --save-raw`. It repeats camkit's own arithmetic (Sources/CAMKit/
// PhotoMap.swift, MapUpsampler.swift, Overlay.swift) step by step in 32-bit floats (Math.fround
// after every operation, as Swift's Float does), so the canvas holds the same bytes as the
// overlay `cam explain` writes for the same settings.
const CamOverlay = (() => {
  const f = Math.fround;
  // The photo's RGB bytes as the browser decodes them (EXIF orientation applied, as camkit does).
  async function decode(bytes) {
    const bitmap = await createImageBitmap(new Blob([bytes]), {colorSpaceConversion: 'none', premultiplyAlpha: 'none'});
    const c = new OffscreenCanvas(bitmap.width, bitmap.height), g = c.getContext('2d');
    g.drawImage(bitmap, 0, 0);
    const rgba = g.getImageData(0, 0, bitmap.width, bitmap.height).data, rgb = new Uint8Array(bitmap.width * bitmap.height * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) { rgb[j] = rgba[i]; rgb[j + 1] = rgba[i + 1]; rgb[j + 2] = rgba[i + 2]; }
    return {width: bitmap.width, height: bitmap.height, rgb};
  }
  // Base64 text as bytes, and as little-endian float32 values.
  function bytes(base64) {
    const s = atob(base64), out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function floats(base64) {
    const b = bytes(base64), view = new DataView(b.buffer), out = new Float32Array(b.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }
  // Half-pixel bilinear taps, clamped at the edges (MapUpsampler.tap): [i0, i1, weight].
  function tap(coordinate, n) {
    const c = Math.max(coordinate, 0), i0 = Math.min(Math.trunc(c), n - 1);
    return [i0, Math.min(i0 + 1, n - 1), f(c - i0)];
  }
  function lerp(a, b, t) { return f(f(a * f(1 - t)) + f(b * t)); }
  // The feature-grid map at model-input resolution (PhotoMap.init).
  function toInput(map, w, h, iw, ih) {
    const out = new Float32Array(iw * ih), sx = w / iw, sy = h / ih;
    const xs = []; for (let x = 0; x < iw; x++) xs.push(tap((x + 0.5) * sx - 0.5, w));
    for (let y = 0; y < ih; y++) {
      const [y0, y1, fy] = tap((y + 0.5) * sy - 0.5, h);
      for (let x = 0; x < iw; x++) {
        const [x0, x1, fx] = xs[x];
        out[y * iw + x] = lerp(lerp(map[y0 * w + x0], map[y0 * w + x1], fx), lerp(map[y1 * w + x0], map[y1 * w + x1], fx), fy);
      }
    }
    return out;
  }
  // The map at photo resolution, -1 outside the model's view (PhotoMap.columns / row).
  function toPhoto(input, g) {
    const iw = g.inputWidth, ih = g.inputHeight, pw = g.photoWidth, ph = g.photoHeight;
    const out = new Float32Array(pw * ph), cols = [], row = new Float32Array(iw);
    for (let x = 0; x < pw; x++) {
      const u = (x + 0.5) * g.resizedWidth / pw - 0.5 - g.cropX;
      cols.push([...tap(u, iw), u >= -0.5 && u <= iw - 0.5]);
    }
    for (let y = 0; y < ph; y++) {
      const v = (y + 0.5) * g.resizedHeight / ph - 0.5 - g.cropY;
      if (!(v >= -0.5 && v <= ih - 0.5)) { out.fill(-1, y * pw, (y + 1) * pw); continue; }
      const [y0, y1, fy] = tap(v, ih);
      for (let i = 0; i < iw; i++) row[i] = lerp(input[y0 * iw + i], input[y1 * iw + i], fy);
      for (let x = 0; x < pw; x++) { const [x0, x1, fx, inside] = cols[x]; out[y * pw + x] = inside ? lerp(row[x0], row[x1], fx) : -1; }
    }
    return out;
  }
  // The map's values at photo resolution, made once per map (kept on it) and reused by every redraw.
  function photoValues(map, g) {
    map.photo = map.photo || toPhoto(toInput(map.normalized, map.width, map.height, g.inputWidth, g.inputHeight), g);
    return map.photo;
  }
  // Overlay.render and Overlay.drawBox: integer blends with a precomputed colour share per entry.
  // pixels: decode()'s result; map: {normalized, width, height}; g: the photo's geometry;
  // look: {table (768 RGB entries), alpha, threshold (0 = off), box ([x0, y0, x1, y1] or null)}.
  function render(pixels, map, g, look) {
    const values = photoValues(map, g);
    const a = Math.round(f(f(look.alpha) * 256)), keep = 256 - a;
    const heat = look.table.map(t => t * a + 128);
    const cut = look.threshold > 0 ? f(look.threshold) : -0.5;
    const w = g.photoWidth, h = g.photoHeight, src = pixels.rgb;
    const image = new ImageData(w, h), out = image.data;
    for (let i = 0, p = 0; i < w * h; i++, p += 3) {
      let r = src[p], gr = src[p + 1], b = src[p + 2];
      const v = values[i];
      if (!(v < 0 || v < cut)) {
        const t = Math.trunc(f(f(Math.min(Math.max(v, 0), 1) * 255) + 0.5)) * 3;
        r = (r * keep + heat[t]) >> 8; gr = (gr * keep + heat[t + 1]) >> 8; b = (b * keep + heat[t + 2]) >> 8;
      }
      out[4 * i] = r; out[4 * i + 1] = gr; out[4 * i + 2] = b; out[4 * i + 3] = 255;
    }
    if (look.box) {
      const [x0, y0, x1, y1] = look.box;
      const put = (x, y) => { if (x >= 0 && y >= 0 && x < w && y < h) out.fill(255, 4 * (y * w + x), 4 * (y * w + x) + 3); };
      for (let t = 0; t < 2; t++) {
        for (let x = x0; x <= Math.max(x0, x1); x++) { put(x, y0 + t); put(x, y1 - t); }
        for (let y = y0; y <= Math.max(y0, y1); y++) { put(x0 + t, y); put(x1 - t, y); }
      }
    }
    return {image, values};
  }
  // Puts a render() result on the canvas and notes what it shows: `query` (the settings, as a
  // query string) and a draw count, which the browser tests read.
  function paint(canvas, drawn, query) {
    canvas.width = drawn.image.width; canvas.height = drawn.image.height;
    canvas.getContext('2d').putImageData(drawn.image, 0, 0);
    canvas.dataset.query = query.toString();
    canvas.dataset.renders = +(canvas.dataset.renders || 0) + 1;
  }
  // The pixel under the mouse, clamped to the canvas.
  function pointed(canvas, event) {
    const r = canvas.getBoundingClientRect(), clamp = (v, n) => Math.min(n - 1, Math.max(0, v));
    return [clamp(Math.floor((event.clientX - r.left) * canvas.width / r.width), canvas.width),
            clamp(Math.floor((event.clientY - r.top) * canvas.height / r.height), canvas.height)];
  }
  return {decode, bytes, floats, render, paint, pointed};
})();
