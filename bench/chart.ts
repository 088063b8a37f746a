/**
 * A horizontal bar chart of berth's cost against each peer (SVG), and its
 * PNG rendering (resvg with the DejaVu font Debian ships).
 * @module
 */

/** One bar: a label and berth's cost as a fraction of the peer's. */
export interface Bar {
  label: string;
  ratio: number;
}

const WIDTH = 1100;
const LABEL_WIDTH = 560;
const BAR_HEIGHT = 22;
const GAP = 8;
const TOP = 64;
const FONT = "DejaVu Sans";
const FONT_FILE = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** The powers of two the axis spans: at least 0.5x to 2x, and every ratio. */
export function axisExponents(ratios: number[]): { low: number; high: number } {
  const logs = ratios.filter((ratio) => ratio > 0).map(Math.log2);
  return {
    low: Math.min(-1, Math.floor(Math.min(...logs))),
    high: Math.max(1, Math.ceil(Math.max(...logs))),
  };
}

/**
 * The chart of `bars` as an SVG document: a log₂ axis with 1x (the peer)
 * in the middle, bars running left where berth is better, right where worse.
 */
export function barChartSvg(title: string, bars: Bar[]): string {
  const plotWidth = WIDTH - LABEL_WIDTH - 70;
  const { low, high } = axisExponents(bars.map((bar) => bar.ratio));
  const x = (value: number) => LABEL_WIDTH + ((Math.log2(value) - low) / (high - low)) * plotWidth;
  const bottom = TOP + bars.length * (BAR_HEIGHT + GAP);
  const height = bottom + 44;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
    `font-family="${FONT}" font-size="13">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="16" y="26" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="16" y="46" fill="#555">berth's time or memory ÷ the peer's (log scale): ` +
    `bars to the left of 1x are where berth is better</text>`,
  ];
  for (let exponent = low; exponent <= high; exponent++) {
    const tick = x(2 ** exponent).toFixed(1);
    parts.push(
      `<line x1="${tick}" y1="${TOP - 6}" x2="${tick}" y2="${bottom}" stroke="${
        exponent === 0 ? "#222" : "#ddd"
      }"${exponent === 0 ? ' stroke-dasharray="4 3"' : ""}/>`,
      `<text x="${tick}" y="${bottom + 18}" text-anchor="middle">${2 ** exponent}x</text>`,
    );
  }
  bars.forEach((bar, index) => {
    const y = TOP + index * (BAR_HEIGHT + GAP);
    const from = Math.min(x(1), x(bar.ratio));
    const width = Math.max(1, Math.abs(x(bar.ratio) - x(1)));
    const better = bar.ratio <= 1;
    const valueX = better ? from - 6 : from + width + 6;
    parts.push(
      `<text x="${LABEL_WIDTH - 10}" y="${y + 15}" text-anchor="end">${
        escapeXml(bar.label)
      }</text>`,
      `<rect x="${from.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" ` +
        `fill="${better ? "#2f8f46" : "#d0542c"}"/>`,
      `<text x="${valueX.toFixed(1)}" y="${y + 15}" text-anchor="${better ? "end" : "start"}">` +
        `${bar.ratio.toFixed(2)}x</text>`,
    );
  });
  parts.push(`<text x="${x(1).toFixed(1)}" y="${bottom + 36}" text-anchor="middle">peer</text>`);
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

/** Render `svg` to PNG bytes. */
export async function renderPng(svg: string): Promise<Uint8Array> {
  const { Resvg } = await import("@resvg/resvg-js");
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: [FONT_FILE], defaultFontFamily: FONT },
  });
  return resvg.render().asPng();
}
