/* annobatch: the 2D boxes of an OpenLABEL document, as the editor reads and writes them.
 *
 * The editor works on the documents themselves, so that whatever it does not draw (other
 * geometry, attributes, frame properties) is kept. Objects have a uuid (their key), a name and a
 * type (the class); each frame ("0", "1" …) has, per object, one `bbox` per camera stream:
 * [centre x, centre y, width, height] in image pixels, the stream named by a `stream` text
 * attribute (or a `stream` field). A frame is described by {key, frameId, timestamp}.
 *
 * Plain functions, no state: window.annobatchOpenLabel.
 */
(function () {
  "use strict";

  function normalise(doc) {
    doc = doc && typeof doc === "object" ? doc : {};
    var ol = doc.openlabel = doc.openlabel || {};
    ol.metadata = ol.metadata || {};
    ol.metadata.schema_version = ol.metadata.schema_version || "1.0.0";
    ol.objects = ol.objects || {};
    ol.frames = ol.frames || {};
    return doc;
  }

  function streamOf(bbox) {
    if (typeof bbox.stream === "string") { return bbox.stream; }
    var texts = (bbox.attributes && bbox.attributes.text) || [];
    for (var i = 0; i < texts.length; i++) {
      if (texts[i] && texts[i].name === "stream") { return texts[i].val; }
    }
    return null;
  }

  /* The document's node of a frame; with `create`, made when missing (with the frame's id and
     time as its properties). */
  function frameNode(doc, frame, create) {
    var frames = doc.openlabel.frames;
    if (!frames[frame.key] && create) {
      var props = { streams: {} };
      if (frame.frameId) { props.external_id = frame.frameId; }
      if (frame.timestamp !== null && frame.timestamp !== undefined) { props.timestamp = frame.timestamp; }
      frames[frame.key] = { frame_properties: props, objects: {} };
    }
    return frames[frame.key];
  }

  /* Whether a box is on this camera: it names the stream, or names none and the frame has only
     this camera. */
  function onCamera(bbox, sensor, single) {
    var s = streamOf(bbox);
    return s === sensor || (s === null && single);
  }

  /* The boxes of one frame and camera: [{uid, bbox}] (bbox is the document's own entry). */
  function boxesIn(doc, key, sensor, single) {
    var node = doc.openlabel.frames[key], found = [];
    if (!node || !node.objects) { return found; }
    Object.keys(node.objects).forEach(function (uid) {
      var od = node.objects[uid] && node.objects[uid].object_data;
      ((od && od.bbox) || []).forEach(function (b) {
        if (b && b.val && b.val.length === 4 && onCamera(b, sensor, single)) { found.push({ uid: uid, bbox: b }); }
      });
    });
    return found;
  }

  function round(v) { return Math.round(v * 100) / 100; }

  /* A box as {x, y, w, h} from its top-left corner, and back. */
  function rectOf(bbox) {
    var v = bbox.val;
    return { x: v[0] - v[2] / 2, y: v[1] - v[3] / 2, w: v[2], h: v[3] };
  }

  function setRect(bbox, r) {
    bbox.val = [round(r.x + r.w / 2), round(r.y + r.h / 2), round(r.w), round(r.h)];
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0;
      return (c === "x" ? r : (r & 3 | 8)).toString(16);
    });
  }

  /* A new object of class `cls`, named after its class ("car-3"): its uuid. */
  function addObject(doc, cls) {
    var objects = doc.openlabel.objects, uid = newUuid();
    var n = Object.keys(objects).filter(function (k) { return objects[k].type === cls; }).length + 1;
    objects[uid] = { name: cls + "-" + n, type: cls };
    return uid;
  }

  /* A box of object `uid` on a frame and camera. */
  function addBbox(doc, frame, sensor, uid, r) {
    var node = frameNode(doc, frame, true);
    node.frame_properties = node.frame_properties || {};
    node.frame_properties.streams = node.frame_properties.streams || {};
    node.frame_properties.streams[sensor] = node.frame_properties.streams[sensor] || {};
    node.objects = node.objects || {};
    var entry = node.objects[uid] = node.objects[uid] || { object_data: {} };
    entry.object_data = entry.object_data || {};
    entry.object_data.bbox = entry.object_data.bbox || [];
    var bbox = { name: "bbox-" + uid.slice(0, 8), val: [0, 0, 0, 0], attributes: { text: [{ name: "stream", val: sensor }] } };
    setRect(bbox, r);
    entry.object_data.bbox.push(bbox);
    return bbox;
  }

  function hasGeometry(doc, uid) {
    var o = doc.openlabel.objects[uid];
    if (o && o.object_data && Object.keys(o.object_data).length) { return true; }
    var frames = doc.openlabel.frames;
    return Object.keys(frames).some(function (k) {
      var entry = frames[k].objects && frames[k].objects[uid];
      return entry && entry.object_data && Object.keys(entry.object_data).length;
    });
  }

  /* Object `uid`'s boxes on a frame and camera go; the object goes too when nothing of it is left. */
  function removeBbox(doc, key, sensor, single, uid) {
    var node = doc.openlabel.frames[key];
    if (!node || !node.objects || !node.objects[uid]) { return; }
    var od = node.objects[uid].object_data || {};
    od.bbox = (od.bbox || []).filter(function (b) { return !onCamera(b, sensor, single); });
    if (!od.bbox.length) { delete od.bbox; }
    if (!Object.keys(od).length) { delete node.objects[uid]; }
    if (!hasGeometry(doc, uid)) { delete doc.openlabel.objects[uid]; }
  }

  /* Copies of the documents as they are sent: every frame present and every camera declared as
     a stream (what a feedback item may name). */
  function forSaving(documents, types, frames) {
    var out = {};
    types.forEach(function (t) {
      var d = JSON.parse(JSON.stringify(documents[t]));
      d.openlabel.streams = d.openlabel.streams || {};
      frames.forEach(function (f) {
        frameNode(d, f, true);
        f.images.forEach(function (i) {
          d.openlabel.streams[i.sensor] = d.openlabel.streams[i.sensor] || { type: "camera" };
        });
      });
      out[t] = d;
    });
    return out;
  }

  /* The frames (keys and ids) and streams the documents have: a feedback item names only those. */
  function named(documents, types) {
    var frames = {}, streams = {};
    types.forEach(function (t) {
      var ol = documents[t].openlabel;
      Object.keys(ol.streams || {}).forEach(function (s) { streams[s] = true; });
      Object.keys(ol.frames || {}).forEach(function (k) {
        frames[k] = true;
        var f = ol.frames[k] || {}, props = f.frame_properties || {};
        if (props.external_id) { frames[props.external_id] = true; }
        Object.keys(props.streams || {}).forEach(function (s) { streams[s] = true; });
        Object.keys(f.objects || {}).forEach(function (uid) {
          var od = f.objects[uid] && f.objects[uid].object_data;
          ((od && od.bbox) || []).forEach(function (b) { var s = streamOf(b); if (s) { streams[s] = true; } });
        });
      });
    });
    return { frames: frames, streams: streams };
  }

  window.annobatchOpenLabel = {
    normalise: normalise, streamOf: streamOf, boxesIn: boxesIn, rectOf: rectOf, setRect: setRect,
    round: round, addObject: addObject, addBbox: addBbox, removeBbox: removeBbox, forSaving: forSaving,
    named: named,
  };
})();
