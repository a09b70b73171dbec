#!/usr/bin/env bash
# Render the first printed page of the demo's Excel report (bao_cao.xlsx) into
# docs/img/bao_cao_page1.png, as docs/outputs.md shows it: `landplan demo --xlsx`, then
# LibreOffice prints the workbook to PDF (its print settings: A4 landscape, one page wide) and
# poppler's pdftoppm renders page 1 at 80 dpi.
#
# Needs: landplan (LANDPLAN, default `landplan`), soffice (Debian: libreoffice-calc-nogui),
# pdftoppm (poppler-utils). Usage: bash docs/render_report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
landplan=${LANDPLAN:-landplan}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$landplan demo --out "$tmp/demo" --xlsx --no-map --quiet
# a private LibreOffice profile: no clash with a LibreOffice already running
soffice "-env:UserInstallation=file://$tmp/profile" --headless --convert-to pdf \
    --outdir "$tmp" "$tmp/demo/bao_cao.xlsx" >/dev/null
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$tmp/bao_cao.pdf" docs/img/bao_cao_page1
echo "wrote docs/img/bao_cao_page1.png ($(pdfinfo "$tmp/bao_cao.pdf" | grep Pages | tr -s ' '))"
