// Qarauyl planning map: demand layers, existing cameras and the recommended cameras with their view
// wedges, drawn as Leaflet vector layers on the map's canvas renderer (the page sets preferCanvas).
(function () {
  "use strict";
  const KIND = {
    area: { color: "#1565c0", weight: 1, fillOpacity: 0.08 },
    points: { color: "#6a1b9a", weight: 1, fillOpacity: 0.35 },
    incidents: { color: "#ef6c00", weight: 1, fillOpacity: 0.45 },
    roads: { color: "#546e7a", weight: 3, opacity: 0.8 },
    buildings: { color: "#8d6e63", weight: 0.5, fillOpacity: 0.3 },
  };
  const WORKING = "#2e7d32", BROKEN = "#c62828", NEW = "#d81b60";

  function esc(text) {
    const div = document.createElement("div");
    div.textContent = String(text);
    return div.innerHTML;
  }

  const QPlan = {
    map: null,
    groups: {},
    counts: { features: 0, existing: 0, sites: 0, wedges: 0 },
    ready: false,

    async attach(map, layersUrl, existingUrl) {
      this.map = map;
      await this.load(layersUrl, existingUrl);
      this.ready = true;
      return this.counts;
    },

    async load(layersUrl, existingUrl) {
      const [layers, existing] = await Promise.all([
        fetch(layersUrl, { credentials: "same-origin" }).then((r) => r.json()),
        fetch(existingUrl, { credentials: "same-origin" }).then((r) => r.json()),
      ]);
      const drawn = L.geoJSON(layers, {
        style: (f) => KIND[f.properties.kind] || KIND.points,
        pointToLayer: (f, latlng) =>
          L.circleMarker(latlng, Object.assign({ radius: 5 }, KIND[f.properties.kind] || KIND.points)),
        onEachFeature: (f, layer) => layer.bindTooltip(esc(f.properties.layer)),
      });
      this.replace("layers", drawn);
      this.counts.features = layers.features.length;
      const cams = L.layerGroup();
      for (let i = 0; i < existing.code.length; i++) {
        const colour = existing.working[i] ? WORKING : BROKEN;
        L.circleMarker([existing.lat[i], existing.lon[i]], {
          radius: 4, color: "#fff", weight: 1, fillColor: colour, fillOpacity: 1,
        }).bindTooltip(esc(existing.code[i])).addTo(cams);
      }
      this.replace("existing", cams);
      this.counts.existing = existing.code.length;
      const box = drawn.getBounds();
      if (box.isValid()) this.map.fitBounds(box, { padding: [16, 16], animate: false });
      if (this.groups.plan) this.groups.plan.bringToFront();
      return this.counts;
    },

    showPlan(fc) {
      const plan = L.geoJSON(fc, {
        style: () => ({ color: NEW, weight: 1.5, fillColor: NEW, fillOpacity: 0.22 }),
        pointToLayer: (f, latlng) =>
          L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 2, fillColor: NEW, fillOpacity: 1 }),
        onEachFeature: (f, layer) => {
          const p = f.properties;
          layer.bindTooltip(esc("#" + p.rank + " " + p.model + " " + Math.round(p.heading_deg) + "°"));
        },
      });
      this.replace("plan", plan);
      this.counts.sites = fc.features.filter((f) => f.properties.role === "site").length;
      this.counts.wedges = fc.features.filter((f) => f.properties.role === "wedge").length;
      return this.counts;
    },

    replace(name, layer) {
      if (this.groups[name]) this.map.removeLayer(this.groups[name]);
      this.groups[name] = layer.addTo(this.map);
    },
  };
  window.qarauylPlan = QPlan;
})();
