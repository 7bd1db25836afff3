// ember MNIST demo: draw on the canvas, the ONNX model (exported by ember) predicts the digit in the browser.
// Exposes window.emberReady (a Promise) and window.emberPredict(pixels) for scripts and the browser test.
"use strict";

const SIZE = 28;

ort.env.wasm.numThreads = 1;  // no cross-origin isolation, so no SharedArrayBuffer threads
ort.env.wasm.proxy = false;
ort.env.wasm.wasmPaths = new URL("vendor/", window.location.href).href;

const sessionPromise = ort.InferenceSession.create("model/mnist_cnn.onnx", { executionProviders: ["wasm"] });

// pixels: n * 784 values in 0..255 (white digit on black, as MNIST). Returns {classes, probabilities}.
async function emberPredict(pixels) {
  const session = await sessionPromise;
  const data = Float32Array.from(pixels);
  if (data.length === 0 || data.length % (SIZE * SIZE) !== 0) {
    throw new Error(`emberPredict: expected n * 784 pixel values, received ${data.length}`);
  }
  const n = data.length / (SIZE * SIZE);
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", data, [n, SIZE, SIZE, 1]) };
  const output = (await session.run(feeds))[session.outputNames[0]];
  const k = output.dims[1];
  const probabilities = [];
  const classes = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from(output.data.slice(i * k, (i + 1) * k));
    probabilities.push(row);
    classes.push(row.indexOf(Math.max(...row)));
  }
  return { classes, probabilities };
}

// MNIST's preprocessing: the drawing cropped to its ink, scaled into a 20x20 box, then placed in 28x28 so that its
// centre of mass is the centre (LeCun et al., http://yann.lecun.com/exdb/mnist/).
function canvasPixels(canvas) {
  const ctx = canvas.getContext("2d");
  const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let top = height, left = width, bottom = -1, right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[(y * width + x) * 4] > 0) {
        top = Math.min(top, y); bottom = Math.max(bottom, y);
        left = Math.min(left, x); right = Math.max(right, x);
      }
    }
  }
  const render = (dx, dy) => {
    const small = document.createElement("canvas");
    small.width = small.height = SIZE;
    const sctx = small.getContext("2d");
    sctx.fillStyle = "#000";
    sctx.fillRect(0, 0, SIZE, SIZE);
    if (bottom >= 0) {
      const w = right - left + 1, h = bottom - top + 1;
      const scale = 20 / Math.max(w, h);
      const dw = w * scale, dh = h * scale;
      sctx.drawImage(canvas, left, top, w, h, (SIZE - dw) / 2 + dx, (SIZE - dh) / 2 + dy, dw, dh);
    }
    const img = sctx.getImageData(0, 0, SIZE, SIZE).data;
    const pixels = new Float32Array(SIZE * SIZE);
    for (let i = 0; i < pixels.length; i++) pixels[i] = img[i * 4];
    return pixels;
  };
  const centred = render(0, 0);
  let mass = 0, mx = 0, my = 0;
  centred.forEach((v, i) => { mass += v; mx += v * (i % SIZE); my += v * Math.floor(i / SIZE); });
  if (mass === 0) return centred;
  return render(Math.round((SIZE - 1) / 2 - mx / mass), Math.round((SIZE - 1) / 2 - my / mass));
}

function show(result) {
  const probs = result.probabilities[0];
  document.getElementById("prediction").textContent = String(result.classes[0]);
  document.getElementById("bars").innerHTML = probs.map((p, digit) =>
    `<div class="bar">${digit} <span class="fill" style="width:${(200 * p).toFixed(1)}px"></span>` +
    ` ${(100 * p).toFixed(1)} %</div>`).join("");
}

function setUpPad() {
  const canvas = document.getElementById("pad");
  const ctx = canvas.getContext("2d");
  const clear = () => {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    document.getElementById("prediction").textContent = "";
    document.getElementById("bars").innerHTML = "";
  };
  clear();
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 22;
  ctx.lineCap = ctx.lineJoin = "round";
  let drawing = false;
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  };
  canvas.addEventListener("pointerdown", (e) => { drawing = true; ctx.beginPath(); ctx.moveTo(...at(e)); });
  canvas.addEventListener("pointermove", (e) => { if (drawing) { ctx.lineTo(...at(e)); ctx.stroke(); } });
  const finish = async () => {
    if (!drawing) return;
    drawing = false;
    show(await emberPredict(canvasPixels(canvas)));
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointerleave", finish);
  document.getElementById("clear").addEventListener("click", clear);
}

window.emberPredict = emberPredict;
window.emberReady = sessionPromise.then(() => {
  document.getElementById("status").textContent = "model loaded: draw a digit";
  return true;
});
window.emberReady.catch((err) => { document.getElementById("status").textContent = `failed: ${err}`; });
setUpPad();
