/* annobatch: the 2D box editor and the review view of a camera scene's task.
 *
 * Plain JavaScript, no build, no dependency. The page carries its facts as JSON in
 * <script type="application/json" id="editor-data"> (frames and their images, the documents it
 * starts from, classes, feedback, error types, where to send things). The OpenLABEL documents
 * are read and changed in place by openlabel.js (loaded first), so that what the editor does not
 * draw is kept. This file is the page: the view (zoom, pan), the overlay, the side panels, the
 * mouse and the keyboard, sending, and the review form.
 *
 * Keys (the "?" dialog lists them): 1-9 class, N draw (Enter: a box in the middle), Esc cancel,
 * click / Tab select, arrows nudge (Shift: 10 px; Alt: resize), Delete, D / F frames, Ctrl+S save,
 * Ctrl+Enter submit. Wheel zooms, space+drag pans.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var OL = window.annobatchOpenLabel;
  var COLOURS = ["#1f5fd1", "#c0392b", "#1e7f45", "#b35c00", "#7b3fb0", "#8a5a2b", "#c0307f", "#0f7c8c", "#6d7a00"];

  var dataNode = document.getElementById("editor-data");
  if (!dataNode) { return; }
  var data = JSON.parse(dataNode.textContent);
  var mode = data.mode; // "edit", "review" or "view"
  var editing = mode === "edit";

  var el = function (id) { return document.getElementById(id); };
  var stage = el("stage"), world = el("world"), img = el("frame-image"), overlay = el("overlay");
  var statusLine = el("status"), slot = el("action-slot");

  var state = {
    type: data.types[0] || "",
    frame: 0,
    sensor: null,
    cls: 0,
    selected: null, // object uid
    drawMode: false,
    drag: null,
    space: false,
    view: { s: 1, tx: 0, ty: 0 },
    dirty: false,
    pin: null, // the review form's pin, {x, y, frame, sensor}
    items: [], // the review's feedback items so far
  };
  var documents = data.documents || {};
  data.types.forEach(function (t) { documents[t] = OL.normalise(documents[t]); });

  // ------------------------------------------------------------------ documents (openlabel.js)

  function doc() { return documents[state.type]; }
  function classes() { return (data.classes && data.classes[state.type]) || []; }
  function frame() { return data.frames[state.frame]; }
  function image() {
    var f = frame();
    return f.images.filter(function (i) { return i.sensor === state.sensor; })[0] || f.images[0];
  }
  function single() { return frame().images.length === 1; }

  function currentBoxes() { return OL.boxesIn(doc(), frame().key, image().sensor, single()); }

  function boxOf(uid) {
    return currentBoxes().filter(function (b) { return b.uid === uid; })[0] || null;
  }

  function objectClass(uid) {
    var o = doc().openlabel.objects[uid];
    return o ? String(o.type || "") : "";
  }

  function colourOf(cls) {
    var i = classes().indexOf(cls);
    return COLOURS[(i < 0 ? classes().length : i) % COLOURS.length];
  }

  function currentClassName() {
    return classes()[state.cls] || classes()[0] || "object";
  }

  /* A box for the selected object when it has none on this frame and camera (its id follows it
     across frames), otherwise for a new object of the chosen class. */
  function addBox(r) {
    var uid = state.selected;
    if (!uid || !doc().openlabel.objects[uid] || boxOf(uid)) { uid = OL.addObject(doc(), currentClassName()); }
    OL.addBbox(doc(), frame(), image().sensor, uid, clampRect(r));
    state.selected = uid;
    changed("Box added: " + describe(uid) + ".");
  }

  function removeBox(uid) {
    var label = describe(uid);
    OL.removeBbox(doc(), frame().key, image().sensor, single(), uid);
    state.selected = null;
    changed("Box removed: " + label + ".");
  }

  function forSaving() { return OL.forSaving(documents, data.types, data.frames); }

  function describe(uid) {
    var o = doc().openlabel.objects[uid];
    return o ? (o.name || uid) + " (" + (o.type || "no class") + ")" : uid;
  }

  // ------------------------------------------------------------------ view: zoom and pan

  function applyView() {
    var v = state.view;
    world.style.transform = "translate(" + v.tx + "px," + v.ty + "px) scale(" + v.s + ")";
  }

  function fit() {
    var w = img.naturalWidth || image().width || 1, h = img.naturalHeight || image().height || 1;
    var box = stage.getBoundingClientRect();
    var s = Math.min(box.width / w, box.height / h) || 1;
    state.view = { s: s, tx: (box.width - w * s) / 2, ty: (box.height - h * s) / 2 };
    applyView();
    render();
  }

  function zoomAt(factor, cx, cy) {
    state.viewChosen = true;
    var v = state.view, s = Math.max(0.05, Math.min(40, v.s * factor));
    var px = (cx - v.tx) / v.s, py = (cy - v.ty) / v.s;
    state.view = { s: s, tx: cx - px * s, ty: cy - py * s };
    applyView();
    render();
  }

  function toImage(e) {
    var box = stage.getBoundingClientRect(), v = state.view;
    return { x: (e.clientX - box.left - v.tx) / v.s, y: (e.clientY - box.top - v.ty) / v.s };
  }

  function size() {
    return { w: img.naturalWidth || image().width || 1, h: img.naturalHeight || image().height || 1 };
  }

  function clampRect(r) {
    var sz = size(), w = Math.max(1, Math.min(r.w, sz.w)), h = Math.max(1, Math.min(r.h, sz.h));
    return { x: Math.max(0, Math.min(r.x, sz.w - w)), y: Math.max(0, Math.min(r.y, sz.h - h)), w: w, h: h };
  }

  // ------------------------------------------------------------------ drawing the overlay

  function node(name, attrs, parent) {
    var n = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(n); }
    return n;
  }

  function render() {
    var sz = size(), s = state.view.s;
    overlay.setAttribute("viewBox", "0 0 " + sz.w + " " + sz.h);
    overlay.setAttribute("width", sz.w);
    overlay.setAttribute("height", sz.h);
    while (overlay.firstChild) { overlay.removeChild(overlay.firstChild); }
    var line = 2 / s, font = 12 / s;
    currentBoxes().forEach(function (b) {
      var r = OL.rectOf(b.bbox), cls = objectClass(b.uid), colour = colourOf(cls);
      var chosen = b.uid === state.selected;
      var g = node("g", { "class": "box" + (chosen ? " selected" : ""), "data-uid": b.uid }, overlay);
      node("rect", {
        x: r.x, y: r.y, width: r.w, height: r.h, fill: colour, "fill-opacity": chosen ? 0.22 : 0.1,
        stroke: colour, "stroke-width": chosen ? line * 1.75 : line,
      }, g);
      var label = node("text", { x: r.x + 2 / s, y: r.y - 4 / s, "font-size": font, fill: colour }, g);
      label.textContent = (doc().openlabel.objects[b.uid] || {}).name || cls;
      if (chosen && editing) {
        [["nw", r.x, r.y], ["ne", r.x + r.w, r.y], ["sw", r.x, r.y + r.h], ["se", r.x + r.w, r.y + r.h]]
          .forEach(function (h) {
            node("rect", {
              "class": "handle", "data-handle": h[0], x: h[1] - 5 / s, y: h[2] - 5 / s,
              width: 10 / s, height: 10 / s, fill: "#fff", stroke: colour, "stroke-width": line,
            }, g);
          });
      }
    });
    renderPins(s);
    if (state.drag && state.drag.kind === "draw") {
      var d = state.drag.rect;
      node("rect", {
        "class": "drawing", x: d.x, y: d.y, width: d.w, height: d.h, fill: "none",
        stroke: colour0(), "stroke-width": line, "stroke-dasharray": 6 / s + " " + 4 / s,
      }, overlay);
    }
    renderLists();
  }

  function colour0() { return colourOf(currentClassName()); }

  function pinsHere() {
    var f = frame(), sensor = image().sensor, shown = [];
    var here = function (item) {
      var framed = !item.frameId || item.frameId === f.key || item.frameId === f.frameId;
      return framed && (!item.sensorId || item.sensorId === sensor);
    };
    (data.feedback || []).forEach(function (item, i) {
      if (item.pin && here(item)) { shown.push({ n: i + 1, pin: item.pin, kind: "feedback" }); }
    });
    state.items.forEach(function (item, i) {
      if (item.pin && here(item)) { shown.push({ n: i + 1, pin: item.pin, kind: "item" }); }
    });
    if (state.pin && state.pin.frame === f.key && state.pin.sensor === sensor) {
      shown.push({ n: "+", pin: state.pin, kind: "pending" });
    }
    return shown;
  }

  function renderPins(s) {
    pinsHere().forEach(function (p) {
      var g = node("g", { "class": "pin pin-" + p.kind }, overlay);
      node("circle", {
        cx: p.pin.x, cy: p.pin.y, r: 9 / s, fill: p.kind === "pending" ? "#1f4fb8" : "#a3231b",
        stroke: "#fff", "stroke-width": 2 / s,
      }, g);
      var t = node("text", {
        x: p.pin.x, y: p.pin.y + 4 / s, "font-size": 11 / s, fill: "#fff", "text-anchor": "middle",
      }, g);
      t.textContent = String(p.n);
    });
  }

  // ------------------------------------------------------------------ side panels

  function renderLists() {
    var list = el("object-list");
    if (list) {
      list.textContent = "";
      var here = {};
      currentBoxes().forEach(function (b) { here[b.uid] = true; });
      var objects = doc().openlabel.objects;
      Object.keys(objects).forEach(function (uid) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "object" + (uid === state.selected ? " selected" : "") + (here[uid] ? "" : " elsewhere");
        button.setAttribute("aria-pressed", uid === state.selected ? "true" : "false");
        button.dataset.uid = uid;
        var swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = colourOf(String(objects[uid].type || ""));
        button.appendChild(swatch);
        var name = document.createElement("span");
        name.textContent = (objects[uid].name || "object") + " · " + (objects[uid].type || "no class");
        button.appendChild(name);
        var id = document.createElement("code");
        id.textContent = uid.slice(0, 8);
        id.title = uid;
        button.appendChild(id);
        if (!here[uid]) {
          var note = document.createElement("span");
          note.className = "note";
          note.textContent = "not in this view";
          button.appendChild(note);
        }
        li.appendChild(button);
        list.appendChild(li);
      });
      var count = el("object-count");
      if (count) { count.textContent = String(Object.keys(objects).length); }
    }
    document.querySelectorAll("[data-class-index]").forEach(function (b) {
      b.setAttribute("aria-pressed", Number(b.dataset.classIndex) === state.cls ? "true" : "false");
    });
    var label = el("frame-label");
    if (label) {
      var f = frame();
      label.textContent = "Frame " + (state.frame + 1) + " of " + data.frames.length + (f.frameId ? " (" + f.frameId + ")" : "");
    }
    renderItems();
  }

  function renderItems() {
    var list = el("review-items");
    if (!list) { return; }
    list.textContent = "";
    state.items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.errorTypeName + (item.objectId ? " · object " + item.objectId.slice(0, 8) : "") +
        (item.pin ? " · pinned" : "") + (item.description ? ": " + item.description : "");
      list.appendChild(li);
    });
    var reject = el("reject-button");
    if (reject) {
      reject.textContent = state.items.length ? "Reject with " + state.items.length + " item" + (state.items.length > 1 ? "s" : "") : "Reject";
    }
  }

  function say(text) { if (statusLine) { statusLine.textContent = text; } }

  function changed(text) {
    state.dirty = true;
    render();
    if (text) { say(text); }
  }

  // ------------------------------------------------------------------ frames, cameras, classes

  function showFrame(n) {
    if (n < 0 || n >= data.frames.length) { return; }
    state.frame = n;
    var f = frame();
    if (!f.images.some(function (i) { return i.sensor === state.sensor; })) { state.sensor = f.images[0].sensor; }
    loadImage();
    var sel = el("sensor-select");
    if (sel) { sel.value = state.sensor; }
    say("Frame " + (n + 1) + " of " + data.frames.length + (state.selected && boxOf(state.selected) ? "; " + describe(state.selected) + " is here." : "."));
  }

  function loadImage() {
    var i = image();
    img.alt = "Camera " + i.sensor + ", frame " + (state.frame + 1);
    if (img.getAttribute("src") !== i.url) { img.setAttribute("src", i.url); }
    render();
  }

  function chooseClass(n) {
    if (n < 0 || n >= classes().length) { return; }
    state.cls = n;
    var uid = state.selected, objects = doc().openlabel.objects;
    if (editing && uid && objects[uid] && objects[uid].type !== classes()[n]) {
      objects[uid].type = classes()[n];
      changed(describe(uid) + ": class " + classes()[n] + ".");
      return;
    }
    render();
    say("Class " + classes()[n] + ".");
  }

  function select(uid, announce) {
    state.selected = uid;
    if (uid) {
      var i = classes().indexOf(objectClass(uid));
      if (i >= 0) { state.cls = i; }
      var objSelect = el("item-object");
      if (objSelect) { objSelect.value = uid; }
    }
    render();
    if (announce !== false) { say(uid ? "Selected " + describe(uid) + "." : "Nothing selected."); }
  }

  // ------------------------------------------------------------------ the mouse

  stage.addEventListener("mousedown", function (e) {
    if (e.button !== 0) { return; }
    stage.focus();
    var p = toImage(e), v = state.view;
    if (state.space) {
      state.drag = { kind: "pan", x: e.clientX, y: e.clientY, tx: v.tx, ty: v.ty };
      e.preventDefault();
      return;
    }
    var handle = e.target.closest && e.target.closest("[data-handle]");
    var g = e.target.closest && e.target.closest("g.box");
    if (editing && handle && state.selected) {
      var b = boxOf(state.selected);
      state.drag = { kind: "resize", corner: handle.dataset.handle, start: p, rect: OL.rectOf(b.bbox), bbox: b.bbox };
    } else if (g) {
      select(g.dataset.uid);
      var found = boxOf(g.dataset.uid);
      if (editing && found) { state.drag = { kind: "move", start: p, rect: OL.rectOf(found.bbox), bbox: found.bbox }; }
      if (mode === "review") { placePin(p); } // the object, and where on it
    } else if (editing) {
      state.drag = { kind: "draw", start: p, rect: { x: p.x, y: p.y, w: 0, h: 0 } };
    } else if (mode === "review") {
      placePin(p);
    }
    e.preventDefault();
  });

  window.addEventListener("mousemove", function (e) {
    var d = state.drag;
    if (!d) { return; }
    if (d.kind === "pan") {
      state.viewChosen = true;
      state.view.tx = d.tx + e.clientX - d.x;
      state.view.ty = d.ty + e.clientY - d.y;
      applyView();
      return;
    }
    var p = toImage(e), dx = p.x - d.start.x, dy = p.y - d.start.y, r = d.rect;
    if (d.kind === "draw") {
      d.rect = { x: Math.min(p.x, d.start.x), y: Math.min(p.y, d.start.y), w: Math.abs(dx), h: Math.abs(dy) };
    } else if (d.kind === "move") {
      OL.setRect(d.bbox, clampRect({ x: r.x + dx, y: r.y + dy, w: r.w, h: r.h }));
      d.moved = true;
    } else if (d.kind === "resize") {
      var x0 = r.x, y0 = r.y, x1 = r.x + r.w, y1 = r.y + r.h;
      if (d.corner.indexOf("w") >= 0) { x0 += dx; } else { x1 += dx; }
      if (d.corner.indexOf("n") >= 0) { y0 += dy; } else { y1 += dy; }
      OL.setRect(d.bbox, clampRect({ x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) }));
      d.moved = true;
    }
    render();
  });

  window.addEventListener("mouseup", function () {
    var d = state.drag;
    state.drag = null;
    if (!d) { return; }
    if (d.kind === "draw") {
      state.drawMode = false;
      stage.classList.remove("drawing");
      if (d.rect.w >= 3 && d.rect.h >= 3) { addBox(d.rect); } else { select(null); }
    } else if ((d.kind === "move" || d.kind === "resize") && d.moved) {
      changed(describe(state.selected) + " " + (d.kind === "move" ? "moved" : "resized") + ".");
    }
  });

  stage.addEventListener("wheel", function (e) {
    e.preventDefault();
    var box = stage.getBoundingClientRect();
    zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - box.left, e.clientY - box.top);
  }, { passive: false });

  /* A new image is fitted to the stage; the next frame's image, of the same size, keeps the zoom
     and pan the person chose. */
  var fitted = null;
  img.addEventListener("load", function () {
    var key = img.naturalWidth + "x" + img.naturalHeight;
    if (key !== fitted) { fitted = key; fit(); } else { render(); }
  });

  // ------------------------------------------------------------------ the keyboard

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function nudge(e) {
    var b = state.selected && boxOf(state.selected);
    if (!b || !editing) { return false; }
    var step = e.shiftKey ? 10 : 1, r = OL.rectOf(b.bbox);
    var dx = e.key === "ArrowLeft" ? -step : e.key === "ArrowRight" ? step : 0;
    var dy = e.key === "ArrowUp" ? -step : e.key === "ArrowDown" ? step : 0;
    if (e.altKey) {
      r = { x: r.x, y: r.y, w: Math.max(1, r.w + dx), h: Math.max(1, r.h + dy) };
    } else {
      r = { x: r.x + dx, y: r.y + dy, w: r.w, h: r.h };
    }
    OL.setRect(b.bbox, clampRect(r));
    var now = OL.rectOf(b.bbox);
    changed(describe(state.selected) + (e.altKey ? " resized to " + Math.round(now.w) + " × " + Math.round(now.h) :
      " at " + Math.round(now.x) + ", " + Math.round(now.y)) + ".");
    return true;
  }

  function cycle(back) {
    var boxes = currentBoxes();
    if (!boxes.length) { return false; }
    var at = -1;
    boxes.forEach(function (b, i) { if (b.uid === state.selected) { at = i; } });
    var next = at < 0 ? (back ? boxes.length - 1 : 0) : at + (back ? -1 : 1);
    if (next < 0 || next >= boxes.length) { return false; } // let focus move on: no keyboard trap
    select(boxes[next].uid);
    return true;
  }

  /* Where the selected object's box is on the nearest other frame (the previous first), on this
     camera: a new box of the same object starts there. */
  function neighbourBox() {
    var uid = state.selected;
    if (!uid) { return null; }
    for (var step = 1; step < data.frames.length; step++) {
      var tries = [state.frame - step, state.frame + step];
      for (var i = 0; i < tries.length; i++) {
        var f = data.frames[tries[i]];
        if (!f) { continue; }
        var found = OL.boxesIn(doc(), f.key, image().sensor, single()).filter(function (b) { return b.uid === uid; })[0];
        if (found) { return OL.rectOf(found.bbox); }
      }
    }
    return null;
  }

  function middleBox() {
    var box = stage.getBoundingClientRect(), v = state.view, sz = size();
    var cx = (box.width / 2 - v.tx) / v.s, cy = (box.height / 2 - v.ty) / v.s;
    var w = Math.max(8, Math.round(sz.w / 5)), h = Math.max(8, Math.round(sz.h / 5));
    return { x: cx - w / 2, y: cy - h / 2, w: w, h: h };
  }

  document.addEventListener("keydown", function (e) {
    var ctrl = e.ctrlKey || e.metaKey;
    if (ctrl && (e.key === "s" || e.key === "S") && editing) { e.preventDefault(); send("draft"); return; }
    if (ctrl && e.key === "Enter" && editing) { e.preventDefault(); send("submit"); return; }
    if (typing(e.target) || ctrl) { return; }
    var onStage = e.target === stage;
    if (e.key === " " && onStage) { state.space = true; stage.classList.add("panning"); e.preventDefault(); return; }
    if (e.key === "?") { e.preventDefault(); toggleHelp(); return; }
    if (e.key === "Tab" && onStage) { if (cycle(e.shiftKey)) { e.preventDefault(); } return; }
    if (e.key === "Escape") {
      if (state.drawMode || state.drag) {
        state.drawMode = false;
        state.drag = null;
        stage.classList.remove("drawing");
        render();
        say("Drawing cancelled.");
      } else if (state.pin) {
        state.pin = null;
        renderPinLabel();
        render();
      } else if (state.selected) {
        select(null);
      }
      return;
    }
    if (/^[1-9]$/.test(e.key)) { chooseClass(Number(e.key) - 1); return; }
    if (e.key === "d" || e.key === "D") { showFrame(state.frame - 1); return; }
    if (e.key === "f" || e.key === "F") { showFrame(state.frame + 1); return; }
    if (!editing) { return; }
    if (e.key === "n" || e.key === "N") {
      state.drawMode = true;
      stage.classList.add("drawing");
      stage.focus();
      say(state.selected && neighbourBox() && !boxOf(state.selected) ?
        "Boxing " + describe(state.selected) + " on this frame: drag on the image, or press Enter to put it where it was on the frame before; Esc cancels." :
        "Drawing a " + currentClassName() + ": drag on the image, or press Enter for a box in the middle; Esc cancels.");
      return;
    }
    if (e.key === "Enter" && state.drawMode) { e.preventDefault(); state.drawMode = false; stage.classList.remove("drawing"); addBox((state.selected && !boxOf(state.selected) && neighbourBox()) || middleBox()); return; }
    if ((e.key === "Delete" || e.key === "Backspace") && state.selected && boxOf(state.selected)) {
      e.preventDefault();
      removeBox(state.selected);
      return;
    }
    if (e.key.indexOf("Arrow") === 0 && nudge(e)) { e.preventDefault(); }
  });

  document.addEventListener("keyup", function (e) {
    if (e.key === " ") { state.space = false; stage.classList.remove("panning"); }
  });

  function toggleHelp() {
    var help = el("shortcuts");
    if (!help) { return; }
    if (help.open) { help.close(); } else { help.showModal(); }
  }

  // ------------------------------------------------------------------ sending

  function refusalOf(text) {
    var page = new DOMParser().parseFromString(text, "text/html");
    var found = page.querySelector(".refused, [role=alert]");
    return found ? found.textContent.trim() : "The server refused this (" + text.slice(0, 200) + ").";
  }

  function show(text, refused) {
    slot.textContent = "";
    var p = document.createElement("p");
    p.className = refused ? "refused" : "flash";
    p.setAttribute("role", refused ? "alert" : "status");
    p.textContent = text;
    slot.appendChild(p);
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": data.csrf, "HX-Request": "true" },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.text().then(function (text) { return { ok: r.ok, status: r.status, text: text, to: r.headers.get("HX-Redirect") }; });
    });
  }

  function answered(a, done) {
    if (!a.ok) { show(refusalOf(a.text), true); return; }
    if (a.to) { state.dirty = false; window.location.assign(a.to); return; }
    var page = new DOMParser().parseFromString(a.text, "text/html");
    show(page.body.textContent.trim() || done, false);
  }

  function send(what) {
    var url = data.urls[what];
    if (!url) { return; }
    show(what === "draft" ? "Saving…" : "Submitting…", false);
    post(url, { annotations: forSaving() }).then(function (a) {
      if (a.ok && what === "draft") { state.dirty = false; }
      answered(a, what === "draft" ? "Draft saved." : "Submitted.");
    }, function () { show("The server could not be reached; nothing was saved.", true); });
  }

  function bind(id, fn) {
    var b = el(id);
    if (b) { b.addEventListener("click", fn); }
  }

  bind("save-button", function () { send("draft"); });
  bind("submit-button", function () { send("submit"); });
  bind("prev-frame", function () { showFrame(state.frame - 1); });
  bind("next-frame", function () { showFrame(state.frame + 1); });
  bind("zoom-in", function () { var b = stage.getBoundingClientRect(); zoomAt(1.25, b.width / 2, b.height / 2); });
  bind("zoom-out", function () { var b = stage.getBoundingClientRect(); zoomAt(0.8, b.width / 2, b.height / 2); });
  bind("zoom-fit", function () { state.viewChosen = false; fit(); });
  bind("help-button", toggleHelp);
  bind("help-close", toggleHelp);
  bind("draw-button", function () {
    state.drawMode = true;
    stage.classList.add("drawing");
    stage.focus();
    say("Drawing a " + currentClassName() + ": drag on the image, or press Enter for a box in the middle; Esc cancels.");
  });
  bind("delete-button", function () { if (state.selected && boxOf(state.selected)) { removeBox(state.selected); } });

  document.addEventListener("click", function (e) {
    var obj = e.target.closest && e.target.closest("button.object");
    if (obj) { select(obj.dataset.uid); return; }
    var cls = e.target.closest && e.target.closest("[data-class-index]");
    if (cls) { chooseClass(Number(cls.dataset.classIndex)); }
  });

  /* The class buttons of the annotation type shown (each type has its own taxonomy). */
  function renderClassButtons() {
    var holder = el("class-buttons");
    if (!holder) { return; }
    holder.textContent = "";
    classes().slice(0, 9).forEach(function (c, i) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "cls";
      b.dataset.classIndex = String(i);
      b.setAttribute("aria-keyshortcuts", String(i + 1));
      var k = document.createElement("kbd");
      k.textContent = String(i + 1);
      b.appendChild(k);
      b.appendChild(document.createTextNode(" " + c));
      holder.appendChild(b);
    });
    if (!classes().length) {
      var note = document.createElement("span");
      note.className = "meta";
      note.textContent = "no classes set for " + state.type + ": any class is accepted";
      holder.appendChild(note);
    }
  }

  var typeSelect = el("type-select");
  if (typeSelect) {
    typeSelect.addEventListener("change", function () {
      state.type = typeSelect.value;
      state.selected = null;
      state.cls = 0;
      renderClassButtons();
      render();
      say("Annotation type " + state.type + ".");
    });
  }
  var sensorSelect = el("sensor-select");
  if (sensorSelect) {
    sensorSelect.addEventListener("change", function () { state.sensor = sensorSelect.value; loadImage(); });
  }

  window.addEventListener("beforeunload", function (e) {
    if (state.dirty && editing) { e.preventDefault(); e.returnValue = ""; }
  });
  // A resized window refits the image, unless the person has zoomed or panned (their view stays).
  window.addEventListener("resize", function () { if (!state.viewChosen) { fit(); } });

  // ------------------------------------------------------------------ reviewing

  function placePin(p) {
    var sz = size();
    if (p.x < 0 || p.y < 0 || p.x > sz.w || p.y > sz.h) { return; }
    state.pin = { x: OL.round(p.x), y: OL.round(p.y), frame: frame().key, sensor: image().sensor };
    renderPinLabel();
    render();
    say("Pin placed at " + Math.round(p.x) + ", " + Math.round(p.y) + ".");
  }

  function renderPinLabel() {
    var label = el("pin-label");
    if (label) {
      label.textContent = state.pin ? "Pin at " + Math.round(state.pin.x) + ", " + Math.round(state.pin.y) +
        " (frame " + state.pin.frame + ", " + state.pin.sensor + ")" : "No pin: click the image to place one.";
    }
  }

  function addItem() {
    var typeSel = el("item-error-type"), objSel = el("item-object"), message = el("item-message");
    var et = data.errorTypes.filter(function (x) { return x.id === typeSel.value; })[0];
    if (!et) { show("Choose an error type.", true); return; }
    var item = { errorTypeId: et.id, errorTypeName: et.name }, left = [];
    if (objSel && objSel.value) {
      if (et.objectAllowed) { item.objectId = objSel.value; } else { left.push("the object"); }
    }
    var has = OL.named(documents, data.types);  // a feedback item names only what they have
    if (state.pin) {
      if (et.pinAllowed) {
        item.pin = { x: state.pin.x, y: state.pin.y };
        if (has.frames[state.pin.frame]) { item.frameId = state.pin.frame; }
        if (has.streams[state.pin.sensor]) { item.sensorId = state.pin.sensor; }
      } else {
        left.push("the pin");
      }
    }
    if (message.value.trim()) { item.description = message.value.trim(); }
    state.items.push(item);
    state.pin = null;
    message.value = "";
    slot.textContent = "";
    renderPinLabel();
    render();
    say("Item " + state.items.length + " added: " + et.name + "." +
      (left.length ? " Not kept: " + left.join(" and ") + " (an item of type " + et.name + " takes none)." : ""));
    if (objSel) { objSel.value = ""; }
  }

  function review(accepted) {
    if (!accepted && !state.items.length) { show("A rejection says what is wrong: add at least one item.", true); return; }
    var items = accepted ? [] : state.items.map(function (i) {
      var copy = {};
      Object.keys(i).forEach(function (k) { if (k !== "errorTypeName") { copy[k] = i[k]; } });
      return copy;
    });
    show(accepted ? "Accepting…" : "Rejecting…", false);
    post(data.urls.review, { accepted: accepted, feedbackItems: items }).then(function (a) {
      answered(a, accepted ? "Accepted." : "Rejected.");
    }, function () { show("The server could not be reached; nothing was sent.", true); });
  }

  bind("add-item", addItem);
  bind("clear-pin", function () { state.pin = null; renderPinLabel(); render(); });
  bind("accept-button", function () { review(true); });
  bind("reject-button", function () { review(false); });

  // ------------------------------------------------------------------ start

  state.sensor = frame().images[0].sensor;
  renderPinLabel();
  loadImage();
  if (img.complete && img.naturalWidth) { fitted = img.naturalWidth + "x" + img.naturalHeight; fit(); }
  window.annobatchEditor = { state: state, documents: documents, forSaving: forSaving };
})();
