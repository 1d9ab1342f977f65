// gmp-metal trace viewer: replays the scheduler's events into a model of
// the run queues (each P's runnext slot and local ring, the global queue,
// the Ms) and draws the lesson's picture of it on a canvas.
//
// window.TRACE = {ncpu, nprocs, total, ev: [[t_ns, kind, m, p, a, b], ...]}
// with kinds numbered as in kernel/sched/src/trace/codec.rs, p = -1 for
// none, and a/b the kind's fields (see boot/trace/html.rs).
"use strict";

const T = window.TRACE;
const K = { CREATE: 1, START: 2, STOP: 3, BLOCK: 4, UNBLOCK: 5, END: 6, SYSB: 7, SYSE: 8,
  PSTART: 9, PSTOP: 10, ENQ: 11, KICK: 12, STEAL: 13, OVERFLOW: 14, GTAKE: 15,
  MPARK: 16, MWAKE: 17, TIMER: 18, HANDOFF: 19, STWB: 20, STWE: 21, PROCS: 22, NETPOLL: 24 };
const STW = ["GOMAXPROCS", "torture check", "schedtrace detail", "test"];
const MAXP = T.maxprocs || T.nprocs;
const WAIT = ["", "chan receive", "chan send", "select", "select (no cases)", "sleep",
  "sync.Mutex.Lock", "sync.WaitGroup.Wait", "preempted", "park"];
const STOP = ["yield to the global queue", "preempted", "yield to the local ring"];
const QUEUE = ["runnext", "the local ring", "the global queue"];
const RING = 256;

// ----- the model --------------------------------------------------------
// boot/trace/replay.rs replays the same rules in Rust to count for the
// counter tracks of trace.json; a change to where a G goes belongs in both.

function fresh() {
  return {
    i: 0,
    ps: Array.from({ length: MAXP }, () => ({ runnext: 0, ring: [], cur: 0, m: -1 })),
    procs: T.nprocs, // GOMAXPROCS now: Ps from here on are gone
    stopped: false,
    ms: Array.from({ length: T.ncpu }, () => ({ p: -1, g: 0, parked: false, sys: 0, why: "" })),
    glob: [],
    blocked: new Set(),
    created: 0,
    ended: 0,
    mismatch: 0,
    moves: [], // {i, from, to, label}: what moved, for the arrows
    flash: [], // {i, at, label}: instants
    touched: new Map(), // goid -> index of the event that last placed it
  };
}

// Takes goid g out of whichever queue holds it.
function unqueue(s, g) {
  for (const P of s.ps) {
    if (P.runnext === g) { P.runnext = 0; return; }
    const k = P.ring.indexOf(g);
    if (k >= 0) { P.ring.splice(k, 1); return; }
  }
  const k = s.glob.indexOf(g);
  if (k >= 0) s.glob.splice(k, 1);
}

function where(p, m) { return p >= 0 ? "P" + p : "M" + m; }

function apply(s, e) {
  const [, k, m, p, a, b] = e;
  const P = p >= 0 ? s.ps[p] : null;
  const M = s.ms[m];
  const move = (from, to, label) => s.moves.push({ i: s.i, from, to, label });
  const touch = (gs) => { for (const g of gs) s.touched.set(g, s.i); };
  switch (k) {
    case K.CREATE: s.created++; s.flash.push({ i: s.i, at: where(p, m), label: "go G" + a }); break;
    case K.START:
      unqueue(s, a);
      s.blocked.delete(a);
      if (P) P.cur = a;
      M.g = a;
      touch([a]);
      break;
    case K.STOP: case K.BLOCK: case K.END: case K.SYSB:
      if (P && P.cur === a) P.cur = 0;
      if (M.g === a) M.g = 0;
      if (k === K.BLOCK) s.blocked.add(a);
      if (k === K.END) { s.ended++; s.flash.push({ i: s.i, at: where(p, m), label: "G" + a + " done" }); }
      // Why the G goes to a queue next: labels the arrow of that move.
      M.why = k === K.STOP ? ["yield ", "preempt ", ""][b] || "" : "";
      if (k === K.SYSB) M.sys = a;
      break;
    case K.SYSE:
      M.sys = 0;
      if (P) { P.cur = a; M.g = a; }
      break;
    case K.UNBLOCK:
      s.blocked.delete(a);
      s.flash.push({ i: s.i, at: where(p, m), label: "ready G" + a });
      break;
    case K.PSTART: if (P) { P.m = m; M.p = p; } break;
    case K.PSTOP: if (P && P.m === m) P.m = -1; M.p = -1; break;
    case K.ENQ:
      unqueue(s, a);
      touch([a]);
      if (b === 0 && P) {
        if (P.runnext) { P.ring.push(P.runnext); touch([P.runnext]); } // the kick that follows
        P.runnext = a;
      } else if (b === 1 && P) {
        P.ring.push(a);
      } else {
        s.glob.push(a);
        move(where(p, m), "G", M.why + "G" + a);
        M.why = "";
      }
      break;
    case K.KICK:
      if (P && P.ring.indexOf(a) < 0) { s.mismatch++; unqueue(s, a); P.ring.push(a); }
      break;
    case K.OVERFLOW: {
      // runqputslow: half the ring from its head, plus the G just put.
      if (!P) break;
      if (P.ring.length < a) s.mismatch++;
      const last = P.ring.pop();
      const batch = P.ring.splice(0, a - 1);
      if (last !== undefined) batch.push(last);
      s.glob.push(...batch);
      touch(batch);
      move("P" + p, "G", "overflow " + a);
      break;
    }
    case K.GTAKE: {
      if (!P) break;
      if (s.glob.length < a) s.mismatch++;
      const got = s.glob.splice(0, a);
      P.ring.push(...got);
      touch(got);
      move("G", "P" + p, "take " + a);
      break;
    }
    case K.STEAL: {
      if (!P) break;
      const V = s.ps[a], n = b >> 1;
      let got;
      if (b & 1) { got = V.runnext ? [V.runnext] : []; V.runnext = 0; }
      else got = V.ring.splice(0, n);
      if (got.length < n) s.mismatch++;
      P.ring.push(...got);
      touch(got);
      move("P" + a, "P" + p, "steal " + n);
      break;
    }
    case K.MPARK: M.parked = true; break;
    case K.MWAKE: M.parked = false; break;
    case K.TIMER: s.flash.push({ i: s.i, at: where(p, m), label: "timer: G" + a }); break;
    case K.HANDOFF: move("M" + m, "P" + p, "hand-off"); break;
    case K.STWB: s.stopped = true; s.flash.push({ i: s.i, at: where(p, m), label: "stop the world" }); break;
    case K.STWE: s.stopped = false; s.flash.push({ i: s.i, at: where(p, m), label: "world restarts" }); break;
    case K.PROCS: {
      // procresize: each destroyed P's runnext, then its ring, to the head
      // of the global queue, P by P (boot/trace/replay.rs does the same).
      for (let q = a; q < s.procs && q < s.ps.length; q++) {
        const D = s.ps[q];
        const batch = (D.runnext ? [D.runnext] : []).concat(D.ring);
        D.runnext = 0; D.ring = []; D.cur = 0; D.m = -1;
        s.glob.unshift(...batch);
        touch(batch);
        if (batch.length) move("P" + q, "G", "P" + q + " destroyed: " + batch.length);
      }
      s.procs = a;
      s.flash.push({ i: s.i, at: where(p, m), label: "GOMAXPROCS " + a });
      break;
    }
    case K.NETPOLL: s.flash.push({ i: s.i, at: where(p, m), label: "input: G" + a }); break;
  }
  s.i++;
  // Only the last few moves and flashes are drawn.
  if (s.moves.length > 64) s.moves.splice(0, s.moves.length - 32);
  if (s.flash.length > 64) s.flash.splice(0, s.flash.length - 32);
}

function describe(e) {
  const [t, k, m, p, a, b] = e;
  const at = "M" + m + (p >= 0 ? "/P" + p : "");
  const w = {
    [K.CREATE]: () => `G${a} created by ${b ? "G" + b : "the runtime"}`,
    [K.START]: () => `G${a} starts running`,
    [K.STOP]: () => `G${a} stops: ${STOP[b] || b}`,
    [K.BLOCK]: () => `G${a} blocks: ${WAIT[b] || b}`,
    [K.UNBLOCK]: () => `G${a} made runnable by ${b ? "G" + b : "the runtime"}`,
    [K.END]: () => `G${a} finishes`,
    [K.SYSB]: () => `G${a} enters a blocking call`,
    [K.SYSE]: () => `G${a} returns from its blocking call ${p >= 0 ? "with P" + p : "without a P"}`,
    [K.PSTART]: () => `M${m} acquires P${p}`,
    [K.PSTOP]: () => `M${m} releases P${p}`,
    [K.ENQ]: () => `G${a} put on ${QUEUE[b]}`,
    [K.KICK]: () => `G${a} kicked from runnext to the ring's tail`,
    [K.STEAL]: () => `P${p} steals ${b >> 1} G from P${a}${b & 1 ? "'s runnext" : ""}`,
    [K.OVERFLOW]: () => `ring full: ${a} G spill to the global queue`,
    [K.GTAKE]: () => `P${p} takes ${a} G from the global queue`,
    [K.MPARK]: () => `M${m} parks`,
    [K.MWAKE]: () => `M${m} wakes`,
    [K.TIMER]: () => `timer fires, readies G${a}`,
    [K.HANDOFF]: () => `sysmon hands P${p} off`,
    [K.STWB]: () => `M${m} stops the world (${STW[a] || a})`,
    [K.STWE]: () => `M${m} restarts the world`,
    [K.PROCS]: () => `GOMAXPROCS is now ${a}`,
    [K.NETPOLL]: () => `netpoll: input readies G${a}`,
  }[k];
  return `${(t / 1e6).toFixed(6)} ms  ${at.padEnd(8)} ${w ? w() : "kind " + k}`;
}

// ----- drawing ----------------------------------------------------------

const canvas = document.getElementById("view");
const ctx = canvas.getContext("2d");
const boxes = {}; // name -> {x, y, w, h}: where arrows start and end

function color(g) { return `hsl(${(g * 47) % 360} 65% 55%)`; }

// A G's cell; one placed by the last few events gets a thick outline.
function cell(x, y, size, g, label) {
  ctx.fillStyle = g ? color(g) : "#fff";
  ctx.fillRect(x, y, size, size);
  const age = g ? state.i - 1 - (state.touched.get(g) ?? -99) : 99;
  ctx.strokeStyle = age < 3 ? "#000" : "#bbb";
  ctx.lineWidth = age < 3 ? 3 - age : 1;
  ctx.strokeRect(x + 0.5, y + 0.5, size - 1, size - 1);
  ctx.lineWidth = 1;
  if (g && label && size >= 14) {
    ctx.fillStyle = "#111";
    ctx.font = `${Math.min(12, size - 4)}px ui-monospace, monospace`;
    ctx.fillText(String(g), x + 2, y + size - 4);
  }
}

function text(s, x, y, size, weight) {
  ctx.fillStyle = "#222";
  ctx.font = `${weight || ""} ${size || 13}px system-ui, sans-serif`;
  ctx.fillText(s, x, y);
}

function drawP(s, n, x, y, w, h) {
  const P = s.ps[n];
  boxes["P" + n] = { x, y, w, h };
  if (n >= s.procs) {
    // Destroyed by procresize (or not created yet): drawn as gone.
    ctx.fillStyle = "#f4f4f4";
    ctx.fillRect(x, y, w, h);
    ctx.strokeStyle = "#bbb";
    ctx.setLineDash([6, 4]);
    ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
    ctx.setLineDash([]);
    text(`P${n}  gone (GOMAXPROCS ${s.procs})`, x + 8, y + 18, 14, "bold");
    return;
  }
  ctx.fillStyle = P.m >= 0 ? (s.stopped ? "#f6eeff" : "#eef4ff") : "#eee";
  ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = "#456";
  ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
  text(`P${n}` + (P.m >= 0 ? `  held by M${P.m}` : "  idle"), x + 8, y + 18, 14, "bold");
  const big = Math.min(40, h / 4);
  text("running", x + 8, y + 36, 11);
  cell(x + 8, y + 42, big, P.cur, true);
  text("runnext", x + 16 + big, y + 36, 11);
  cell(x + 16 + big, y + 42, big, P.runnext, true);
  const cols = 32, rows = RING / cols;
  const size = Math.max(3, Math.min(14, Math.floor((w - 16) / cols), Math.floor((h - big - 72) / rows)));
  const gy = y + 42 + big + 22;
  text(`local ring ${P.ring.length}/${RING}` + (P.ring.length > RING ? " (model over-full)" : ""),
    x + 8, gy - 6, 11);
  for (let k = 0; k < RING; k++) {
    cell(x + 8 + (k % cols) * size, gy + Math.floor(k / cols) * size, size, P.ring[k] || 0, false);
  }
}

function drawGlobal(s, x, y, w, h) {
  boxes.G = { x, y, w, h };
  ctx.fillStyle = "#fff7e6";
  ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = "#a85";
  ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
  text(`global queue: ${s.glob.length} G`, x + 8, y + 16, 13, "bold");
  const size = 10, cols = Math.floor((w - 16) / size), rows = Math.floor((h - 26) / size);
  const shown = Math.min(s.glob.length, cols * rows);
  for (let k = 0; k < shown; k++) {
    cell(x + 8 + (k % cols) * size, y + 22 + Math.floor(k / cols) * size, size, s.glob[k], false);
  }
  if (s.glob.length > shown) text(`+${s.glob.length - shown} more`, x + w - 90, y + 16, 12);
}

function drawM(s, n, x, y, w, h) {
  const M = s.ms[n];
  boxes["M" + n] = { x, y, w, h };
  ctx.fillStyle = M.parked ? "#ddd" : M.sys ? "#ffe9e9" : "#eaf7ea";
  ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = "#565";
  ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
  text(`M${n}`, x + 6, y + 16, 13, "bold");
  const st = M.parked ? "parked" : M.sys ? `blocking call G${M.sys}` :
    M.p >= 0 ? `P${M.p}` + (M.g ? ` G${M.g}` : " looking") : "no P";
  text(st, x + 6, y + 32, 11);
}

function arrow(from, to, label, alpha) {
  const a = boxes[from], b = boxes[to];
  if (!a || !b) return;
  const x1 = a.x + a.w / 2, y1 = a.y + a.h / 2, x2 = b.x + b.w / 2, y2 = b.y + b.h / 2;
  const mx = (x1 + x2) / 2 + (y2 - y1) * 0.15, my = (y1 + y2) / 2 - (x2 - x1) * 0.15;
  ctx.globalAlpha = alpha;
  ctx.strokeStyle = ctx.fillStyle = "#c0392b";
  ctx.lineWidth = 3;
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.quadraticCurveTo(mx, my, x2, y2);
  ctx.stroke();
  const ang = Math.atan2(y2 - my, x2 - mx);
  ctx.beginPath();
  ctx.moveTo(x2, y2);
  ctx.lineTo(x2 - 14 * Math.cos(ang - 0.4), y2 - 14 * Math.sin(ang - 0.4));
  ctx.lineTo(x2 - 14 * Math.cos(ang + 0.4), y2 - 14 * Math.sin(ang + 0.4));
  ctx.fill();
  ctx.font = "bold 13px system-ui, sans-serif";
  ctx.fillText(label, mx + 4, my);
  ctx.lineWidth = 1;
  ctx.globalAlpha = 1;
}

function render(s) {
  const W = canvas.width;
  const cols = Math.min(MAXP, 4), prow = Math.ceil(MAXP / cols);
  const pw = Math.floor((W - 20) / cols), ph = cols > 2 ? 200 : 236;
  const mcols = Math.min(T.ncpu, 8), mrows = Math.ceil(T.ncpu / mcols);
  const H = 10 + prow * (ph + 8) + 110 + mrows * 48 + 190;
  if (canvas.height !== H) canvas.height = H;
  ctx.clearRect(0, 0, W, H);
  for (let n = 0; n < MAXP; n++) {
    drawP(s, n, 10 + (n % cols) * pw, 10 + Math.floor(n / cols) * (ph + 8), pw - 8, ph);
  }
  let y = 10 + prow * (ph + 8);
  drawGlobal(s, 10, y, W - 20, 100);
  y += 110;
  const mw = Math.floor((W - 20) / mcols);
  for (let n = 0; n < T.ncpu; n++) {
    drawM(s, n, 10 + (n % mcols) * mw, y + Math.floor(n / mcols) * 48, mw - 8, 42);
  }
  y += mrows * 48 + 18;
  const running = s.ps.filter((P) => P.cur).length + s.ms.filter((M) => M.sys).length;
  text(`Gs created ${s.created}, running ${running}, blocked ${s.blocked.size}, finished ${s.ended}` +
    (s.mismatch ? `   (model disagreed with a count ${s.mismatch} times)` : ""), 10, y, 13, "bold");
  ctx.font = "12px ui-monospace, monospace";
  for (let k = 0; k < 10; k++) {
    const j = s.i - 10 + k;
    if (j < 0) continue;
    ctx.fillStyle = k === 9 ? "#000" : "#777";
    ctx.fillText(describe(T.ev[j]), 10, y + 18 + k * 16);
  }
  // Recent moves as fading arrows, recent instants as labels.
  for (const mv of s.moves) {
    const age = s.i - 1 - mv.i;
    if (age < 6) arrow(mv.from, mv.to, mv.label, 1 - age / 6);
  }
  for (const f of s.flash) {
    const age = s.i - 1 - f.i, b = boxes[f.at];
    if (age < 3 && b) {
      ctx.fillStyle = "#1a6";
      ctx.font = "bold 13px system-ui, sans-serif";
      ctx.fillText(f.label, b.x + b.w - 120, b.y + 18);
    }
  }
}

// ----- controls ---------------------------------------------------------

let state = fresh();
let playing = false;
let acc = 0, last = 0;
const $ = (id) => document.getElementById(id);
const slider = $("slider");
slider.max = String(T.ev.length);

function seek(i) {
  i = Math.max(0, Math.min(T.ev.length, i | 0));
  if (i < state.i) state = fresh();
  while (state.i < i) apply(state, T.ev[state.i]);
  show();
}

function show() {
  render(state);
  slider.value = String(state.i);
  const e = T.ev[state.i - 1];
  $("where").textContent = `event ${state.i}/${T.ev.length}` + (e ? `  t=${(e[0] / 1e6).toFixed(3)} ms` : "");
  $("play").textContent = playing ? "pause" : "play";
  document.documentElement.dataset.frame = String(state.i);
}

function frame(now) {
  if (!playing) return;
  acc += ((now - (last || now)) / 1000) * Number($("speed").value);
  last = now;
  const n = Math.floor(acc);
  acc -= n;
  if (n > 0) seek(state.i + n);
  if (state.i >= T.ev.length) { playing = false; show(); return; }
  requestAnimationFrame(frame);
}

function toggle() {
  playing = !playing && state.i < T.ev.length;
  acc = 0; last = 0;
  show();
  if (playing) requestAnimationFrame(frame);
}

$("play").onclick = toggle;
$("step").onclick = () => { playing = false; seek(state.i + 1); };
$("back").onclick = () => { playing = false; seek(state.i - 1); };
$("restart").onclick = () => { playing = false; seek(0); };
slider.oninput = () => { playing = false; seek(Number(slider.value)); };
document.addEventListener("keydown", (ev) => {
  if (ev.target.tagName === "SELECT") return;
  const act = { " ": toggle, ArrowRight: () => $("step").onclick(), ArrowLeft: () => $("back").onclick(),
    Home: () => $("restart").onclick() }[ev.key];
  if (act) { ev.preventDefault(); act(); }
});

// `#t=0.5` opens the page paused halfway through the events.
const hash = /t=([0-9.]+)/.exec(location.hash);
seek(hash ? Math.round(Number(hash[1]) * T.ev.length) : 0);
const root = document.documentElement;
// What was drawn, for tests that load the page headless.
root.dataset.ps = String(Object.keys(boxes).filter((k) => k[0] === "P").length);
root.dataset.ms = String(Object.keys(boxes).filter((k) => k[0] === "M").length);
root.dataset.events = String(T.ev.length);
// GOMAXPROCS at the shown frame and how many P boxes are drawn as gone.
root.dataset.procs = String(state.procs);
root.dataset.gone = String(MAXP - state.procs);
root.dataset.mismatch = String(state.mismatch);
