// Dashboard charts (ES module, loaded by templates/reporting/dashboard.html only).
//
// Each <canvas data-chart="ID"> is drawn from the JSON in <script type="application/json" id="ID">
// (Django's json_script), so no inline script is needed. The table beside each chart is the
// source of truth: the canvas is hidden from assistive technology, and a figure that is not shown
// in the table (null here) is simply left out of the chart.
//
// Chart.js (static/dist/js/chart.umd.min.js) is loaded with `defer` before this module, so
// window.Chart exists by the time this runs.

// GOV.UK colours: blue, orange, green, purple, red, dark grey.
const COLOURS = ["#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d4351c", "#505a5f"];
const BAR_HEIGHT = 28;

/**
 * @param {{labels: string[], datasets: {label: string, data: (number|null)[], stack?: string}[],
 *          unit: string, horizontal: boolean, stacked: boolean, max: number|null}} spec
 */
function options(spec) {
  const valueAxis = { beginAtZero: true, stacked: spec.stacked, ticks: { precision: 0 } };
  if (spec.max) {
    valueAxis.max = spec.max;
  }
  if (spec.unit) {
    valueAxis.ticks.callback = (value) => `${value}${spec.unit}`;
  }
  const labelAxis = { stacked: spec.stacked };
  return {
    indexAxis: spec.horizontal ? "y" : "x",
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    scales: spec.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
    plugins: {
      legend: { display: spec.datasets.length > 1, position: "bottom" },
      tooltip: {
        callbacks: {
          label: (item) => `${item.dataset.label}: ${item.raw === null ? "not shown" : `${item.raw}${spec.unit}`}`,
        },
      },
    },
  };
}

function draw(canvas) {
  const source = document.getElementById(canvas.dataset.chart);
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  const spec = JSON.parse(source.textContent);
  const box = canvas.parentElement;
  const rows = spec.horizontal ? spec.labels.length * Math.max(1, spec.stacked ? 1 : spec.datasets.length) : 8;
  box.style.position = "relative";
  box.style.height = `${Math.max(220, rows * BAR_HEIGHT + 80)}px`;
  const datasets = spec.datasets.map((dataset, index) => ({
    label: dataset.label,
    data: dataset.data,
    stack: dataset.stack,
    backgroundColor: COLOURS[index % COLOURS.length],
  }));
  // eslint-disable-next-line no-new
  new window.Chart(canvas, { type: "bar", data: { labels: spec.labels, datasets }, options: options(spec) });
}

for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
  draw(canvas);
}
