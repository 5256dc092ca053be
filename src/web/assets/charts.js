// Hand-written SVG charts for the overview: grouped bars over periods, a bar distribution and
// a weekday × hour heat map. No library: each chart is a few dozen SVG elements. `format` writes
// numbers and weekdays in the page's language ({number(n), weekdays: [Monday … Sunday]}); the
// time axis runs left to right in every language.
"use strict";
const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const COLOURS = ["#2f6fde", "#e38b2c", "#2aa876", "#9b59b6"];

  function svg(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function niceMax(value) {
    if (value <= 0) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
    return 10 * power;
  }

  function legend(series) {
    const box = document.createElement("div");
    box.className = "legend";
    series.forEach((s, i) => {
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = COLOURS[i % COLOURS.length];
      item.append(swatch, s.name);
      box.append(item);
    });
    return box;
  }

  // labels: x labels; series: [{name, values}]. Grouped bars.
  function bars(title, labels, series, format) {
    const number = (format && format.number) || String;
    const width = 640, height = 240, left = 40, bottom = 28, top = 10;
    const plotW = width - left - 10, plotH = height - top - bottom;
    const max = niceMax(Math.max(4, ...series.flatMap((s) => s.values)));  // at least 0..4: whole ticks
    const root = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
    for (let i = 0; i <= 4; ++i) {
      const y = top + plotH - (plotH * i) / 4;
      root.append(svg("line", { class: "axis", x1: left, x2: width - 10, y1: y, y2: y }));
      root.append(svg("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, number(Math.round((max * i) / 4))));
    }
    const slot = plotW / Math.max(1, labels.length);
    const barW = Math.max(1, (slot * 0.8) / Math.max(1, series.length));
    const every = Math.max(1, Math.ceil(labels.length / 10));
    labels.forEach((label, i) => {
      series.forEach((s, j) => {
        const value = s.values[i] || 0;
        const h = (plotH * value) / max;
        const rect = svg("rect", {
          x: left + i * slot + slot * 0.1 + j * barW, y: top + plotH - h, width: barW, height: h,
          fill: COLOURS[j % COLOURS.length],
        });
        rect.append(svg("title", {}, `${label} · ${s.name}: ${number(value)}`));
        root.append(rect);
      });
      if (i % every === 0) {
        root.append(svg("text", { x: left + i * slot + slot / 2, y: height - 8, "text-anchor": "middle" }, label));
      }
    });
    return wrap(title, root, series);
  }

  // cells: [{weekday 0..6, hour 0..23, value}]
  function heatmap(title, cells, format) {
    const number = (format && format.number) || String;
    const days = (format && format.weekdays) || ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const width = 640, height = 200, left = 34, top = 6, cellW = (width - left - 6) / 24, cellH = (height - top - 22) / 7;
    const max = Math.max(1, ...cells.map((c) => c.value));
    const root = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
    days.forEach((d, i) => root.append(svg("text", { x: left - 6, y: top + i * cellH + cellH / 2 + 4, "text-anchor": "end" }, d)));
    for (let h = 0; h < 24; h += 3) {
      root.append(svg("text", { x: left + h * cellW + cellW / 2, y: height - 6, "text-anchor": "middle" }, number(h)));
    }
    for (const c of cells) {
      const rect = svg("rect", {
        x: left + c.hour * cellW + 1, y: top + c.weekday * cellH + 1, width: cellW - 2, height: cellH - 2, rx: 2,
        fill: COLOURS[0], "fill-opacity": c.value ? 0.15 + 0.85 * (c.value / max) : 0.05,
      });
      rect.append(svg("title", {}, `${days[c.weekday]} ${number(c.hour)}:00 · ${number(c.value)}`));
      root.append(rect);
    }
    return wrap(title, root, []);
  }

  function wrap(title, chart, series) {
    const card = document.createElement("section");
    card.className = "card";
    const h = document.createElement("h2");
    h.textContent = title;
    card.append(h, chart);
    if (series.length > 1) card.append(legend(series));
    return card;
  }

  return { bars, heatmap };
})();
