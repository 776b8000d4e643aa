#!/bin/sh
# Renders the report of the demo store in headless Chromium (Debian package `chromium`) and
# keeps the screenshot in docs/report.png. Run from the repository root.
set -e
cargo run --release -q -- demo --as-of 2026-11-23 > /dev/null
cargo run --release -q -- --data-dir target/incasso-demo report --as-of 2026-11-23 --out target/report.html
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1400 \
  --screenshot=docs/report.png "file://$PWD/target/report.html"
echo "docs/report.png"
