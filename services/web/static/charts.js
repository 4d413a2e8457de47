// Bar and line charts on the vendored uPlot, in the page's colours and the meter's time zone.
"use strict";

const Charts = (() => {
  // Tick labels in the locale's clock (or dates, for long spans) in the meter's zone.
  function timeLabels(timezone) {
    const zone = timezone || undefined;
    const clock = new Intl.DateTimeFormat(LOCALE, { timeZone: zone, hour: "2-digit", minute: "2-digit" });
    const day = new Intl.DateTimeFormat(LOCALE, { timeZone: zone, day: "numeric", month: "short" });
    const month = new Intl.DateTimeFormat(LOCALE, { timeZone: zone, month: "short", year: "numeric" });
    return (u, splits) => {
      const span = u.scales.x.max - u.scales.x.min;
      const format = span <= 2 * 86400 ? clock : span <= 95 * 86400 ? day : month;
      return splits.map((ts) => format.format(new Date(ts * 1000)));
    };
  }

  function axes(unit, timezone) {
    const text = MH.colour("--muted"), grid = MH.colour("--grid");
    return [
      { stroke: text, grid: { stroke: grid }, ticks: { stroke: grid }, values: timeLabels(timezone) },
      { stroke: text, grid: { stroke: grid }, ticks: { stroke: grid }, label: unit, size: 60 },
    ];
  }

  function sized(el) {
    return { width: Math.max(el.clientWidth, 280), height: el.clientWidth < 600 ? 220 : 300 };
  }

  function follow(el, chart) {
    new ResizeObserver(() => chart.setSize(sized(el))).observe(el);
  }

  // The x axis spans the range asked for, not just the points found in it.
  function xScale(range) {
    const scale = { time: true };
    if (range) scale.range = () => range;
    return scale;
  }

  // xs: unix seconds; ys: values (null: no bar); highlight: index drawn in the peak colour;
  // range: [start, end] of the x axis in unix seconds.
  // period: seconds one bar stands for, so a lone bar is as wide as its bucket.
  function bars(el, { xs, ys, label, unit, timezone, range = null, period = null, highlight = null,
    onPick = null, align = 1 }) {
    el.replaceChildren();
    let widest = 40;
    if (range && period) widest = Math.max(2, (sized(el).width - 80) * 0.85 * period / (range[1] - range[0]));
    const barPaths = uPlot.paths.bars({ size: [0.85, widest], align });
    const series = [
      {},
      { label, fill: MH.colour("--bar"), stroke: MH.colour("--bar"), paths: barPaths, points: { show: false },
        value: (u, v) => (v == null ? "–" : `${MH.number(v, 2)} ${unit}`) },
    ];
    const data = [xs, ys];
    if (highlight !== null) {
      series.push({ label: _("peak"), fill: MH.colour("--bar-peak"), stroke: MH.colour("--bar-peak"), paths: barPaths,
        points: { show: false }, value: (u, v) => (v == null ? "" : `${MH.number(v, 0)} ${unit}`) });
      data.push(ys.map((y, i) => (i === highlight ? y : null)));
    }
    const chart = new uPlot({
      ...sized(el),
      tzDate: timezone ? (ts) => uPlot.tzDate(new Date(ts * 1e3), timezone) : undefined,
      scales: { x: xScale(range), y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: axes(unit, timezone),
      legend: { show: true },
      cursor: { points: { show: false } },
      series,
    }, data, el);
    if (onPick) {
      chart.over.style.cursor = "pointer";
      chart.over.addEventListener("click", () => {
        if (chart.cursor.idx !== null && chart.cursor.idx !== undefined) onPick(chart.cursor.idx);
      });
    }
    follow(el, chart);
    return chart;
  }

  function line(el, { xs, ys, label, unit, timezone, range = null }) {
    el.replaceChildren();
    const chart = new uPlot({
      ...sized(el),
      tzDate: timezone ? (ts) => uPlot.tzDate(new Date(ts * 1e3), timezone) : undefined,
      scales: { x: xScale(range) },
      axes: axes(unit, timezone),
      series: [{}, { label, stroke: MH.colour("--bar"), width: 2, points: { show: false },
        value: (u, v) => (v == null ? "–" : `${MH.number(v, 2)} ${unit}`) }],
    }, [xs, ys], el);
    follow(el, chart);
    return chart;
  }

  return { bars, line };
})();
