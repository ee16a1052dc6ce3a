// Qarauyl camera map: one canvas layer on top of NiceGUI's Leaflet map.
// Ten thousand DOM markers make Leaflet crawl, so cameras are drawn on a single canvas, grouped into
// screen-space grid clusters below CLUSTER_BELOW_ZOOM, and shown with their field-of-view wedges when
// zoomed in. A click on a cluster zooms in; a click on a camera emits `qarauyl_camera` to the server.
(function () {
  "use strict";
  const COLOURS = ["#2e7d32", "#f9a825", "#c62828", "#9e9e9e"]; // ok, degraded, failed, unknown
  const RANK = [1, 2, 3, 0]; // a cluster takes the colour of its worst camera: failed > degraded > ok > unknown
  const CLUSTER_BELOW_ZOOM = 15;
  const WEDGE_FROM_ZOOM = 16;
  const CELL = 56; // px: cluster grid size

  function wedgeRadius(zoom) {
    return Math.min(90, 18 * Math.pow(2, zoom - WEDGE_FROM_ZOOM));
  }

  const QMap = {
    map: null,
    data: null,
    outlines: [],
    canvas: null,
    items: [], // what was drawn last: {x, y, r, kind, index|indices}
    ready: false,

    async attach(map, dataUrl, outlineUrl) {
      this.map = map;
      const [data, outlines] = await Promise.all([
        fetch(dataUrl, { credentials: "same-origin" }).then((r) => r.json()),
        fetch(outlineUrl, { credentials: "same-origin" }).then((r) => r.json()),
      ]);
      this.data = data;
      this.outlines = outlines;
      const pane = map.getPane("qarauylPane") || map.createPane("qarauylPane");
      pane.style.zIndex = 450;
      this.canvas = L.DomUtil.create("canvas", "qarauyl-canvas", pane);
      this.canvas.style.pointerEvents = "none";
      map.on("moveend zoomend resize viewreset", () => this.draw());
      map.on("zoomstart", () => { this.canvas.style.visibility = "hidden"; });
      map.on("click", (e) => this.click(e));
      map.on("mousemove", (e) => {
        map.getContainer().style.cursor = this.hit(e.containerPoint) ? "pointer" : "";
      });
      if (data.id.length > 0) {
        const all = L.latLngBounds(data.lat.map((lat, i) => [lat, data.lon[i]]));
        map.fitBounds(all, { padding: [24, 24], animate: false });
      }
      this.draw();
      this.ready = true;
      return data.id.length;
    },

    draw() {
      const map = this.map, canvas = this.canvas, data = this.data;
      if (!map || !canvas || !data) return;
      const size = map.getSize();
      const ratio = window.devicePixelRatio || 1;
      canvas.width = size.x * ratio;
      canvas.height = size.y * ratio;
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      canvas.style.visibility = "visible";
      const ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);
      this.drawOutlines(ctx);
      const zoom = map.getZoom();
      const bounds = map.getBounds().pad(0.1);
      const visible = [];
      for (let i = 0; i < data.id.length; i++) {
        if (bounds.contains([data.lat[i], data.lon[i]])) visible.push(i);
      }
      this.items = [];
      if (zoom < CLUSTER_BELOW_ZOOM) this.drawClusters(ctx, visible);
      else this.drawCameras(ctx, visible, zoom);
    },

    drawOutlines(ctx) {
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "rgba(25, 60, 120, 0.55)";
      ctx.fillStyle = "rgba(25, 60, 120, 0.04)";
      ctx.font = "12px sans-serif";
      for (const outline of this.outlines) {
        ctx.beginPath();
        outline.ring.forEach(([lat, lon], k) => {
          const p = this.map.latLngToContainerPoint([lat, lon]);
          if (k === 0) ctx.moveTo(p.x, p.y); else ctx.lineTo(p.x, p.y);
        });
        ctx.closePath();
        ctx.fill();
        ctx.stroke();
      }
    },

    drawClusters(ctx, visible) {
      const cells = new Map();
      for (const i of visible) {
        const p = this.map.latLngToContainerPoint([this.data.lat[i], this.data.lon[i]]);
        const key = Math.floor(p.x / CELL) + ":" + Math.floor(p.y / CELL);
        let cell = cells.get(key);
        if (!cell) { cell = { x: 0, y: 0, indices: [], worst: 0, counts: [0, 0, 0, 0] }; cells.set(key, cell); }
        cell.x += p.x; cell.y += p.y; cell.indices.push(i);
        const h = this.data.health[i];
        cell.counts[h] += 1;
        if (cell.indices.length === 1 || RANK[h] > RANK[cell.worst]) cell.worst = h;
      }
      for (const cell of cells.values()) {
        const n = cell.indices.length;
        const x = cell.x / n, y = cell.y / n;
        if (n === 1) { this.drawDot(ctx, cell.indices[0], x, y, 6); continue; }
        const r = Math.min(26, 11 + 3 * Math.log2(n));
        ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.fillStyle = COLOURS[cell.worst]; ctx.globalAlpha = 0.85; ctx.fill(); ctx.globalAlpha = 1;
        ctx.lineWidth = 2; ctx.strokeStyle = "#fff"; ctx.stroke();
        ctx.fillStyle = "#fff"; ctx.font = "bold 12px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
        ctx.fillText(String(n), x, y);
        this.items.push({ x, y, r, kind: "cluster", indices: cell.indices });
      }
    },

    drawCameras(ctx, visible, zoom) {
      const wedges = zoom >= WEDGE_FROM_ZOOM;
      for (const i of visible) {
        const p = this.map.latLngToContainerPoint([this.data.lat[i], this.data.lon[i]]);
        const heading = this.data.heading[i], hfov = this.data.hfov[i];
        if (wedges && heading !== null && hfov !== null) {
          const r = wedgeRadius(zoom);
          // Compass heading (0 = north, clockwise) to canvas angle (0 = east, clockwise).
          const centre = (heading - 90) * Math.PI / 180, half = Math.min(hfov, 359) * Math.PI / 360;
          ctx.beginPath(); ctx.moveTo(p.x, p.y); ctx.arc(p.x, p.y, r, centre - half, centre + half); ctx.closePath();
          ctx.fillStyle = COLOURS[this.data.health[i]]; ctx.globalAlpha = 0.22; ctx.fill(); ctx.globalAlpha = 1;
        }
        this.drawDot(ctx, i, p.x, p.y, 7);
      }
    },

    drawDot(ctx, i, x, y, r) {
      ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fillStyle = COLOURS[this.data.health[i]]; ctx.fill();
      ctx.lineWidth = 1.5; ctx.strokeStyle = "#fff"; ctx.stroke();
      this.items.push({ x, y, r: r + 3, kind: "camera", index: i });
    },

    hit(point) {
      let best = null, bestD = Infinity;
      for (const item of this.items) {
        const d = Math.hypot(item.x - point.x, item.y - point.y);
        if (d <= item.r && d < bestD) { best = item; bestD = d; }
      }
      return best;
    },

    click(e) {
      const item = this.hit(e.containerPoint);
      if (!item) return;
      if (item.kind === "cluster") {
        const group = L.latLngBounds(item.indices.map((i) => [this.data.lat[i], this.data.lon[i]]));
        this.map.fitBounds(group.pad(0.2), { maxZoom: CLUSTER_BELOW_ZOOM + 1 });
        return;
      }
      emitEvent("qarauyl_camera", { id: this.data.id[item.index], code: this.data.code[item.index] });
    },

    indexOf(code) {
      return this.data ? this.data.code.indexOf(code) : -1;
    },

    // Centres the map on one camera, zoomed in far enough to see it alone; returns false if unknown.
    focus(code) {
      const i = this.indexOf(code);
      if (i < 0) return false;
      this.map.setView([this.data.lat[i], this.data.lon[i]], WEDGE_FROM_ZOOM + 1, { animate: false });
      this.draw();
      return true;
    },

    // Where a camera is drawn now, in page coordinates (for people's tests and tours).
    pagePointOf(code) {
      const i = this.indexOf(code);
      if (i < 0) return null;
      const p = this.map.latLngToContainerPoint([this.data.lat[i], this.data.lon[i]]);
      const box = this.map.getContainer().getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    },
  };
  window.qarauylMap = QMap;
})();
