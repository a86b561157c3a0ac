"""The input-space frequency content of a 2-D net from `spectral exact2d`'s spectrum.csv (its exact window
transform over the box): the energy-weighted mean |k| and the share of |f~(k)|^2 at |k| > 4, k = 0 left out.
Usage: python3 Benchmarks/input_space_content.py RUN/spectrum.csv [...]  (docs/experiments.md, experiment 5)."""
import csv, math, sys
for path in sys.argv[1:]:
    rows = list(csv.DictReader(open(path)))
    tot = 0.0; mom = 0.0; hi = 0.0
    for r in rows:
        kx, ky = float(r['kx']), float(r['ky'])
        k = math.hypot(kx, ky)
        if k == 0: continue
        e = float(r['window_re'])**2 + float(r['window_im'])**2
        tot += e; mom += e * k
        if k > 4: hi += e
    print(path, 'energy-weighted mean |k| = %.3f' % (mom / tot), 'share of energy at |k| > 4: %.4f' % (hi / tot))
