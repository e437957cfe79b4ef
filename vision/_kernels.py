"""Compiled kernels of the vision package.

Every kernel here is a small ``@njit(cache=True, nogil=True)`` function over plain arrays,
split into named helpers. The helpers are plain ``@njit`` functions that LLVM inlines, not
numba-level ``inline="always"`` copies: numba's front end re-types an inlined helper at every
call site, which made the first SIFT call compile for much longer at the same run-time speed.
Kernels hold no sorting and raise nothing: they never validate their inputs; the public
functions in ``scale_space``, ``sift`` and ``matching`` do that before calling them.

Bounds: kernels index only within bounds the Python wrapper established from validated input
(images of at least 16x16 pixels, octaves larger than twice the border, windows clipped to the
one-pixel frame, keypoints with finite coordinates and positive sizes, descriptor centres
clipped to within a level's diagonal of the map and window factors at most 1e6 sigmas, so that
rounding a position or a radius to int64 cannot overflow; see ``SIFT._descriptors``).

Conventions
-----------
- Pyramids are float32 stacks ``(n_levels, height, width)`` of one octave.
- Pixel ``(row, col)`` has its centre at integer coordinates (OpenCV's convention).
- Angles are in radians, measured from the +x axis towards +y in image coordinates
  (y pointing down), i.e. ``atan2(dy, dx)`` of the image gradient.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

TWO_PI = 2.0 * math.pi
N_COPIES = 4  # histogram copies of the descriptor kernel (see there; a power of 2)
# coefficients of OpenCV's fastAtan2 polynomial (degrees), see _polar
_DEG = 180.0 / math.pi
_ATAN_P1 = np.float32(0.9997878412794807 * _DEG)
_ATAN_P3 = np.float32(-0.3258083974640975 * _DEG)
_ATAN_P5 = np.float32(0.1555786518463281 * _DEG)
_ATAN_P7 = np.float32(-0.04432655554792128 * _DEG)
_ATAN_EPS = np.float32(np.finfo(np.float64).eps)
_RAD_PER_DEG = np.float32(math.pi / 180.0)


@njit(nogil=True)
def _dog(gauss, lev, r, c):
    """Difference-of-Gaussian level ``lev`` at (r, c): ``gauss[lev + 1] - gauss[lev]``."""
    return gauss[lev + 1, r, c] - gauss[lev, r, c]


@njit(nogil=True)
def _mx3(a, b, c):
    """Largest of three values, as selects (vectorisable)."""
    u = a if a > b else b
    return u if u > c else c


@njit(nogil=True)
def _mn3(a, b, c):
    """Smallest of three values, as selects (vectorisable)."""
    u = a if a < b else b
    return u if u < c else c


@njit(nogil=True)
def _dog_row(gauss, lev, r, d, hx, hn):
    """Row ``r`` of DoG level ``lev`` into ``d``, with its 3-max and 3-min along the row.

    ``d``, ``hx``, ``hn`` are the interior ``w - 2`` samples of the row (columns 1 .. w - 2).
    """
    lo = gauss[lev, r]
    hi = gauss[lev + 1, r]
    m = d.shape[0]
    lo0 = lo[0:m]
    lo1 = lo[1:m + 1]
    lo2 = lo[2:m + 2]
    hi0 = hi[0:m]
    hi1 = hi[1:m + 1]
    hi2 = hi[2:m + 2]
    for j in range(m):
        p = hi0[j] - lo0[j]
        q = hi1[j] - lo1[j]
        t = hi2[j] - lo2[j]
        d[j] = q
        hx[j] = _mx3(p, q, t)
        hn[j] = _mn3(p, q, t)


@njit(nogil=True)
def _max_min3(x0, x1, x2, y0, y1, y2, vx, vn):
    """vx = elementwise max of x0, x1, x2; vn = elementwise min of y0, y1, y2."""
    for j in range(vx.shape[0]):
        vx[j] = _mx3(x0[j], x1[j], x2[j])
        vn[j] = _mn3(y0[j], y1[j], y2[j])


@njit(nogil=True)
def _flag_extrema(v, vmax, vmin, lev, thr, flags):
    """flags[j] = 1 where v[j] is above ``thr`` and >= the 3x3x3 maxima around level ``lev``,
    or below ``-thr`` and <= the minima (all in selects, so the loop vectorises)."""
    a0 = vmax[lev - 1]
    a1 = vmax[lev]
    a2 = vmax[lev + 1]
    b0 = vmin[lev - 1]
    b1 = vmin[lev]
    b2 = vmin[lev + 1]
    for j in range(v.shape[0]):
        vv = v[j]
        mx = _mx3(a0[j], a1[j], a2[j])
        mn = _mn3(b0[j], b1[j], b2[j])
        flags[j] = ((vv > thr) & (vv >= mx)) | ((vv < -thr) & (vv <= mn))


@njit(nogil=True)
def _append_flagged(flags, words, lev, row, col0, out, n):
    """Append ``(lev, row, col0 + j)`` for every set ``flags[j]`` to ``out[n:]``, growing it.

    Flags are scanned 8 at a time through ``words`` (a uint64 view of them): candidates are
    sparse. Returns ``(out, n)``.
    """
    for i in range(words.shape[0]):
        if words[i] == 0:
            continue
        for j in range(8 * i, 8 * i + 8):
            if flags[j] == 0:
                continue
            if n == out.shape[0]:
                grown = np.empty((2 * n, 3), np.int32)
                for k in range(n):
                    grown[k, 0] = out[k, 0]
                    grown[k, 1] = out[k, 1]
                    grown[k, 2] = out[k, 2]
                out = grown
            out[n, 0] = lev
            out[n, 1] = row
            out[n, 2] = col0 + j
            n += 1
    return out, n


@njit(nogil=True)
def _by_level(cands, n, n_dog):
    """The first n rows of ``cands`` (level, row, col) stably ordered by level (counting sort)."""
    start = np.zeros(n_dog + 1, np.int64)
    for k in range(n):
        start[cands[k, 0] + 1] += 1
    for lev in range(n_dog):
        start[lev + 1] += start[lev]
    out = np.empty((n, 3), np.int32)
    for k in range(n):
        lev = cands[k, 0]
        out[start[lev], 0] = lev
        out[start[lev], 1] = cands[k, 1]
        out[start[lev], 2] = cands[k, 2]
        start[lev] += 1
    return out


@njit(cache=True, nogil=True)
def find_extrema(gauss, threshold, border):
    """Candidate 3x3x3 extrema of the DoG of a Gaussian octave.

    ``gauss`` is (n_levels, h, w) float32; the DoG ``D[l] = gauss[l + 1] - gauss[l]`` is
    evaluated row by row (three rows of it are held). Scans DoG levels ``1 .. n_levels - 3``,
    skipping ``border`` (>= 1) pixels at each edge; a sample is a candidate when
    ``|D| > threshold`` and it is >= (D > 0) or <= (D < 0) all 26 neighbours.
    Returns an ``(n, 3)`` int32 array of ``(level, row, col)``, ordered by level, then row,
    then column.

    One pass over the rows: for each row, every DoG level is computed once into a ring of
    three rows together with its row-wise 3-max and 3-min; their column-wise 3-max/min give
    the 3x3 max/min of each level, so ``v`` is a maximum when it is >= the max of the three
    levels' 3x3 maxima (itself included).
    """
    n_levels, h, w = gauss.shape
    n_dog = n_levels - 1
    thr = np.float32(threshold)
    nc = w - 2 * border
    if nc <= 0 or h - 2 * border <= 0 or n_dog < 3:
        return np.empty((0, 3), np.int32)
    inner = slice(border - 1, border - 1 + nc)  # the scanned columns within columns 1 .. w - 2
    dog = np.empty((n_dog, 3, w - 2), np.float32)
    hmax = np.empty((n_dog, 3, w - 2), np.float32)
    hmin = np.empty((n_dog, 3, w - 2), np.float32)
    vmax = np.empty((n_dog, nc), np.float32)
    vmin = np.empty((n_dog, nc), np.float32)
    flags = np.zeros(8 * ((nc + 7) // 8), np.uint8)
    words = flags.view(np.uint64)
    out = np.empty((256, 3), np.int32)
    n = np.int64(0)  # not the literal 0: helpers then compile for int64 only
    for r in range(border - 1, h - border + 1):
        s = r % 3
        for lev in range(n_dog):
            _dog_row(gauss, lev, r, dog[lev, s], hmax[lev, s], hmin[lev, s])
        if r < border + 1:
            continue
        for lev in range(n_dog):
            _max_min3(hmax[lev, 0, inner], hmax[lev, 1, inner], hmax[lev, 2, inner],
                      hmin[lev, 0, inner], hmin[lev, 1, inner], hmin[lev, 2, inner],
                      vmax[lev], vmin[lev])
        for lev in range(1, n_dog - 1):
            _flag_extrema(dog[lev, (r - 1) % 3, inner], vmax, vmin, lev, thr, flags)
            out, n = _append_flagged(flags, words, lev, r - 1, border, out, n)
    return _by_level(out, n, n_dog)


@njit(cache=True, nogil=True)
def _dog_derivatives(gauss, lev, r, c):
    """Central-difference gradient (x, y, s) and Hessian of the DoG at an integer sample."""
    v2 = 2.0 * _dog(gauss, lev, r, c)
    gx = 0.5 * (_dog(gauss, lev, r, c + 1) - _dog(gauss, lev, r, c - 1))
    gy = 0.5 * (_dog(gauss, lev, r + 1, c) - _dog(gauss, lev, r - 1, c))
    gs = 0.5 * (_dog(gauss, lev + 1, r, c) - _dog(gauss, lev - 1, r, c))
    hxx = _dog(gauss, lev, r, c + 1) + _dog(gauss, lev, r, c - 1) - v2
    hyy = _dog(gauss, lev, r + 1, c) + _dog(gauss, lev, r - 1, c) - v2
    hss = _dog(gauss, lev + 1, r, c) + _dog(gauss, lev - 1, r, c) - v2
    hxy = 0.25 * (_dog(gauss, lev, r + 1, c + 1) - _dog(gauss, lev, r + 1, c - 1)
                  - _dog(gauss, lev, r - 1, c + 1) + _dog(gauss, lev, r - 1, c - 1))
    hxs = 0.25 * (_dog(gauss, lev + 1, r, c + 1) - _dog(gauss, lev + 1, r, c - 1)
                  - _dog(gauss, lev - 1, r, c + 1) + _dog(gauss, lev - 1, r, c - 1))
    hys = 0.25 * (_dog(gauss, lev + 1, r + 1, c) - _dog(gauss, lev + 1, r - 1, c)
                  - _dog(gauss, lev - 1, r + 1, c) + _dog(gauss, lev - 1, r - 1, c))
    return gx, gy, gs, hxx, hyy, hss, hxy, hxs, hys


@njit(cache=True, nogil=True)
def solve3_symmetric(a, b, c, d, e, f, g0, g1, g2):
    """Solve ``[[a, d, e], [d, b, f], [e, f, c]] @ x = [g0, g1, g2]`` by Cramer's rule.

    Returns ``(x0, x1, x2, ok)``; ``ok`` is False for a (near) singular matrix.
    """
    c00 = b * c - f * f
    c01 = e * f - d * c
    c02 = d * f - b * e
    det = a * c00 + d * c01 + e * c02
    if abs(det) < 1e-30:
        return 0.0, 0.0, 0.0, False
    c11 = a * c - e * e
    c12 = d * e - a * f
    c22 = a * b - d * d
    inv = 1.0 / det
    x0 = (c00 * g0 + c01 * g1 + c02 * g2) * inv
    x1 = (c01 * g0 + c11 * g1 + c12 * g2) * inv
    x2 = (c02 * g0 + c12 * g1 + c22 * g2) * inv
    return x0, x1, x2, True


@njit(nogil=True)
def _converge(gauss, lev, r, c, n_layers, border, max_steps):
    """Move a sample towards the extremum of the quadratic fit of the DoG around it.

    At most ``max_steps`` steps to the sample nearest the fitted extremum; fails when the fit
    is singular or diverges, or the sample leaves levels ``1 .. n_layers`` or the ``border``.
    Returns ``(ok, (lev, r, c), (ox, oy, os), (gx, gy, gs), (hxx, hyy, hxy))``: the final
    sample, the offset of the extremum from it, and the gradient and spatial Hessian there.
    """
    n_levels, h, w = gauss.shape
    lev, r, c = np.int64(lev), np.int64(r), np.int64(c)
    ok = False
    ox = oy = os_ = 0.0
    gx = gy = gs = 0.0
    hxx = hyy = hxy = 0.0
    for _ in range(max_steps):
        gx, gy, gs, hxx, hyy, hss, hxy, hxs, hys = _dog_derivatives(gauss, lev, r, c)
        ox, oy, os_, solved = solve3_symmetric(hxx, hyy, hss, hxy, hxs, hys, -gx, -gy, -gs)
        if not solved:
            break
        if abs(ox) < 0.5 and abs(oy) < 0.5 and abs(os_) < 0.5:
            ok = True
            break
        if abs(ox) > 1e6 or abs(oy) > 1e6 or abs(os_) > 1e6:
            break
        c += int(round(ox))
        r += int(round(oy))
        lev += int(round(os_))
        if lev < 1 or lev > n_layers or c < border or c >= w - border or r < border or (
            r >= h - border
        ):
            break
    return ok, (lev, r, c), (ox, oy, os_), (gx, gy, gs), (hxx, hyy, hxy)


@njit(cache=True, nogil=True)
def refine_extrema(gauss, cands, n_layers, contrast_threshold, edge_threshold, border, max_steps):
    """Quadratic sub-pixel / sub-scale refinement of candidate extrema (Lowe 2004, sec. 4).

    ``gauss`` is a Gaussian octave (n_levels, h, w); the DoG is ``gauss[l + 1] - gauss[l]``.

    Each candidate ``(level, row, col)`` is moved to the sample nearest to the fitted extremum
    for at most ``max_steps`` steps; it is rejected when it leaves levels ``1 .. n_layers`` or
    the ``border``, when the fit does not converge, when the interpolated contrast
    ``|D(x^)| * n_layers < contrast_threshold``, or when the ratio of principal curvatures
    exceeds ``edge_threshold`` (``tr^2 / det >= (r + 1)^2 / r``).

    Returns ``(ints, floats)``: ``ints`` (m, 3) int32 ``(level, row, col)`` of the final sample
    and ``floats`` (m, 4) float64 ``(x_offset, y_offset, level_offset, contrast)``.
    """
    m = cands.shape[0]
    ints = np.empty((m, 3), np.int32)
    floats = np.empty((m, 4), np.float64)
    edge_limit = (edge_threshold + 1.0) ** 2 / edge_threshold
    k = 0
    for i in range(m):
        ok, sample, offset, grad, hess = _converge(
            gauss, cands[i, 0], cands[i, 1], cands[i, 2], n_layers, border, max_steps
        )
        if not ok:
            continue
        lev, r, c = sample
        ox, oy, os_ = offset
        gx, gy, gs = grad
        hxx, hyy, hxy = hess
        contrast = _dog(gauss, lev, r, c) + 0.5 * (gx * ox + gy * oy + gs * os_)
        if abs(contrast) * n_layers < contrast_threshold:
            continue
        trace = hxx + hyy
        det = hxx * hyy - hxy * hxy
        if det <= 0.0 or trace * trace >= edge_limit * det:
            continue
        ints[k, 0] = lev
        ints[k, 1] = r
        ints[k, 2] = c
        floats[k, 0] = ox
        floats[k, 1] = oy
        floats[k, 2] = os_
        floats[k, 3] = contrast
        k += 1
    return ints[:k].copy(), floats[:k].copy()


@njit(nogil=True, fastmath={"contract"}, error_model="numpy")
def _polar(gx, gy):
    """Magnitude and angle (radians in [0, 2 pi]) of a float32 gradient, as cv2.cartToPolar.

    The angle is OpenCV's ``fastAtan2`` polynomial (accuracy ~0.3 degrees) evaluated with the
    same fused multiply-adds, so the maps agree with ``cv2.cartToPolar`` to 1 ulp.
    """
    ax = abs(gx)
    ay = abs(gy)
    lo = ax if ax < ay else ay
    hi = ax if ax > ay else ay
    c = lo / (hi + _ATAN_EPS)
    cc = c * c
    a = (((cc * _ATAN_P7 + _ATAN_P5) * cc + _ATAN_P3) * cc + _ATAN_P1) * c
    a = a if ax >= ay else np.float32(90.0) - a
    a = np.float32(180.0) - a if gx < 0 else a
    a = np.float32(360.0) - a if gy < 0 else a
    return math.sqrt(gx * gx + gy * gy), a * _RAD_PER_DEG


@njit(cache=True, nogil=True, fastmath={"contract"}, error_model="numpy")
def gradient_polar(img, mag, ang):
    """Gradient magnitude and angle of a float32 image, written into ``mag`` and ``ang``.

    Central differences ``(I[r, c+1] - I[r, c-1], I[r+1, c] - I[r-1, c])``, each component
    zero on the one-pixel frame (as ``vision.sift.gradient_polar`` documents), converted to
    polar form in one vectorised pass (no gradient images are stored).
    """
    h, w = img.shape
    zero = np.float32(0.0)
    for r in range(h):
        row = img[r]
        inner = 0 < r < h - 1
        up = img[r - 1] if inner else row
        dn = img[r + 1] if inner else row
        gx0 = zero
        gy0 = dn[0] - up[0]
        mag[r, 0], ang[r, 0] = _polar(gx0, gy0)
        gy1 = dn[w - 1] - up[w - 1]
        mag[r, w - 1], ang[r, w - 1] = _polar(zero, gy1)
        m = mag[r, 1:w - 1]
        a = ang[r, 1:w - 1]
        left = row[0:w - 2]
        right = row[2:w]
        u = up[1:w - 1]
        d = dn[1:w - 1]
        for j in range(w - 2):
            m[j], a[j] = _polar(right[j] - left[j], d[j] - u[j])


@njit(cache=True, nogil=True)
def orientation_histograms(mag, ang, xs, ys, sigmas, n_bins, sigma_factor, radius_factor):
    """Gaussian-weighted histograms of gradient orientation around each keypoint.

    ``mag``/``ang`` are (h, w) gradient magnitude and angle (radians in [0, 2 pi)) of one
    Gaussian level. For keypoint ``k`` the window is centred at sub-pixel ``(xs[k], ys[k])``,
    with weight sigma ``sigma_factor * sigmas[k]`` and radius ``radius_factor`` times that
    sigma (Lowe 2004, sec. 5). Each gradient votes with its weighted magnitude into the two
    nearest of ``n_bins`` bins (linear interpolation).
    Returns raw (unsmoothed) histograms ``(n, n_bins)`` float64.
    """
    n = xs.shape[0]
    h, w = mag.shape
    hist = np.zeros((n, n_bins), np.float64)
    wx = np.empty(w, np.float64)
    bins_per_rad = n_bins / TWO_PI
    for k in range(n):
        sw = sigma_factor * sigmas[k]
        radius = int(round(radius_factor * sw))
        x = xs[k]
        y = ys[k]
        r0 = int(round(y))
        c0 = int(round(x))
        inv = -1.0 / (2.0 * sw * sw)
        rlo = max(r0 - radius, 1)
        rhi = min(r0 + radius, h - 2)
        clo = max(c0 - radius, 1)
        chi = min(c0 + radius, w - 2)
        r2max = (radius + 0.5) ** 2
        for cc in range(clo, chi + 1):
            dx = cc - x
            wx[cc] = math.exp(dx * dx * inv)
        for rr in range(rlo, rhi + 1):
            dy = rr - y
            wy = math.exp(dy * dy * inv)
            mrow = mag[rr]
            arow = ang[rr]
            for cc in range(clo, chi + 1):
                dx = cc - x
                if dx * dx + dy * dy > r2max:
                    continue
                b = arow[cc] * bins_per_rad
                wmag = wy * wx[cc] * mrow[cc]
                b0 = int(b)
                f = b - b0
                if b0 >= n_bins:
                    b0 -= n_bins
                b1 = b0 + 1 if b0 + 1 < n_bins else 0
                hist[k, b0] += wmag * (1.0 - f)
                hist[k, b1] += wmag * f
    return hist


@njit(cache=True, nogil=True)
def orientation_peaks(hist, peak_ratio):
    """Smooth circular histograms and return their dominant orientations.

    Each histogram is smoothed with the circular kernel ``[1, 4, 6, 4, 1] / 16``; every local
    maximum (``> left`` and ``>= right`` neighbour, so a two-bin plateau counts once) >=
    ``peak_ratio`` times the global maximum gives one orientation, refined by a
    parabola through the peak bin and its two neighbours.
    Returns ``(index, angle)``: keypoint index (int64) and angle in radians in ``[0, 2 pi)``.
    """
    n, n_bins = hist.shape
    idx = np.empty(n * 4, np.int64)
    ang = np.empty(n * 4, np.float64)
    sm = np.empty(n_bins, np.float64)
    m = 0
    for k in range(n):
        hmax = 0.0
        for j in range(n_bins):
            v = (
                6.0 * hist[k, j]
                + 4.0 * (hist[k, (j - 1) % n_bins] + hist[k, (j + 1) % n_bins])
                + hist[k, (j - 2) % n_bins]
                + hist[k, (j + 2) % n_bins]
            ) / 16.0
            sm[j] = v
            if v > hmax:
                hmax = v
        if hmax <= 0.0:
            continue
        thr = peak_ratio * hmax
        for j in range(n_bins):
            left = sm[(j - 1) % n_bins]
            right = sm[(j + 1) % n_bins]
            v = sm[j]
            if v > left and v >= right and v >= thr:  # a flat two-bin top peaks once
                denom = left - 2.0 * v + right
                offset = 0.5 * (left - right) / denom if denom != 0.0 else 0.0
                a = (j + offset) * TWO_PI / n_bins
                a = a % TWO_PI
                if m == idx.shape[0]:
                    idx2 = np.empty(2 * m, np.int64)
                    ang2 = np.empty(2 * m, np.float64)
                    for t in range(m):
                        idx2[t] = idx[t]
                        ang2[t] = ang[t]
                    idx = idx2
                    ang = ang2
                idx[m] = k
                ang[m] = a
                m += 1
    return idx[:m].copy(), ang[:m].copy()


@njit(nogil=True)
def _interval(a, b, lo, hi, xlo, xhi):
    """Integers ``x`` in ``[xlo, xhi]`` with ``lo < a * x + b < hi`` (as a closed range)."""
    if a > 1e-12:
        x0 = (lo - b) / a
        x1 = (hi - b) / a
    elif a < -1e-12:
        x0 = (hi - b) / a
        x1 = (lo - b) / a
    else:
        if lo < b < hi:
            return xlo, xhi
        return 1, 0
    return max(xlo, int(math.floor(x0)) + 1), min(xhi, int(math.ceil(x1)) - 1)


@njit(nogil=True)
def _bin_segment(mrow, arow, wxr, dx0, dy, wy, n_px, rot, grid, bidx, fmg, ffr, ffc, ffo):
    """Rotated bins, fractions and weight of ``n_px`` pixels of one window row, vectorised.

    ``rot`` = ``(cos_t, sin_t, shift)``: the keypoint rotation (scaled to cells) and the angle
    offset; ``grid`` = ``(d, half, bins_per_rad, n_ori, size, stride_r, stride_c)``. Runs over
    ``len(bidx)`` pixels, a multiple of 8 (no scalar remainder loop): the extra pixels get
    weight 0. Pixel j's first bin (row, col, orientation, histogram copy ``j % N_COPIES``)
    goes to ``bidx[j]``, its fractions to ``ffr``/``ffc``/``ffo`` and its weight to ``fmg``.
    """
    cos_t, sin_t, shift = rot
    d, half, bins_per_rad, n_ori, size, stride_r, stride_c = grid
    for j in range(bidx.shape[0]):  # selects, no branches
        dx = dx0 + j
        cbin = dx * cos_t + dy * sin_t + half
        rbin = -dx * sin_t + dy * cos_t + half
        inside = rbin > -1.0 and rbin < d and cbin > -1.0 and cbin < d and j < n_px
        mg = mrow[j] * wy * wxr[j]
        mg = mg if inside else 0.0
        rbin = rbin if inside else 0.0
        cbin = cbin if inside else 0.0
        ob = (arow[j] + shift) * bins_per_rad
        ri = int(rbin + 1.0) - 1
        ci = int(cbin + 1.0) - 1
        oi = int(ob)
        ffr[j] = rbin - ri
        ffc[j] = cbin - ci
        ffo[j] = ob - oi
        fmg[j] = mg
        oi = oi - n_ori if oi >= n_ori else oi
        oi = n_ori - 1 if oi >= n_ori else oi
        copy = (j & (N_COPIES - 1)) * size
        bidx[j] = (ri + 1) * stride_r + (ci + 1) * stride_c + oi + copy


@njit(nogil=True)
def _scatter_segment(hist, n_px, bidx, fmg, ffr, ffc, ffo, stride_r, stride_c):
    """Add the 8 trilinear votes of each of ``n_px`` binned pixels to ``hist``.

    A vote's second orientation bin is always the next slot (cells have ``n_ori + 1`` slots,
    folded by :func:`_fold`), so no index wraps here.
    """
    one = np.uint64(1)
    u_c = np.uint64(stride_c)
    u_r = np.uint64(stride_r)
    u_rc = np.uint64(stride_r + stride_c)
    for j in range(n_px):
        mg = fmg[j]
        fo = ffo[j]
        base = bidx[j]
        b1 = base + one
        v_r1 = mg * ffr[j]
        v_r0 = mg - v_r1
        v_11 = v_r1 * ffc[j]
        v_10 = v_r1 - v_11
        v_01 = v_r0 * ffc[j]
        v_00 = v_r0 - v_01
        t = v_00 * fo
        hist[base] += v_00 - t
        hist[b1] += t
        t = v_01 * fo
        hist[base + u_c] += v_01 - t
        hist[b1 + u_c] += t
        t = v_10 * fo
        hist[base + u_r] += v_10 - t
        hist[b1 + u_r] += t
        t = v_11 * fo
        hist[base + u_rc] += v_11 - t
        hist[b1 + u_rc] += t


@njit(nogil=True)
def _vote(mag, ang, x, y, hw, theta, grid, hist, wx, bufs):
    """Trilinear votes of the gradients in one keypoint's window into ``hist`` (zeroed here).

    The window is the square of radius ``hw * sqrt(2) * (d + 1) / 2`` around ``(x, y)``, clipped
    to the one-pixel frame; on each row only the columns whose rotated position falls in the
    ``(d + 2) x (d + 2)`` grid are visited (``_interval``). Each row segment is binned in a
    vectorised pass, then scattered. ``bufs`` = ``(bidx, fmg, ffr, ffc, ffo)`` row buffers.
    """
    h, w = mag.shape
    d, half, bins_per_rad, n_ori, size, stride_r, stride_c = grid
    bidx, fmg, ffr, ffc, ffo = bufs
    mflat = mag.reshape(-1)
    aflat = ang.reshape(-1)
    cos_t = math.cos(theta) / hw
    sin_t = math.sin(theta) / hw
    rot = (cos_t, sin_t, TWO_PI - theta)
    radius = int(round(hw * math.sqrt(2.0) * (d + 1) * 0.5))
    radius = min(radius, int(math.sqrt(float(h * h + w * w))))
    r0 = int(round(y))
    c0 = int(round(x))
    for t in range(hist.shape[0]):
        hist[t] = 0.0
    clo = max(c0 - radius, 1)
    chi = min(c0 + radius, w - 2)
    wscale = -2.0 / (d * d) / (hw * hw)
    for cc in range(clo, chi + 1):
        dx = cc - x
        wx[cc] = math.exp(dx * dx * wscale)
    lo = -1.0 - half
    hi = d - half
    for rr in range(max(r0 - radius, 1), min(r0 + radius, h - 2) + 1):
        dy = rr - y
        a0, a1 = _interval(cos_t, dy * sin_t - x * cos_t, lo, hi, clo, chi)
        b0, b1 = _interval(-sin_t, dy * cos_t + x * sin_t, lo, hi, clo, chi)
        c_start = max(a0, b0)
        n_px = min(a1, b1) - c_start + 1
        if n_px <= 0:
            continue
        n_pad = (n_px + 7) & ~7  # rows are < h - 1: the padding reads stay inside the maps
        off = rr * w + c_start
        _bin_segment(mflat[off:off + n_pad], aflat[off:off + n_pad], wx[c_start:c_start + n_pad],
                     c_start - x, dy, math.exp(dy * dy * wscale), n_px, rot, grid,
                     bidx[:n_pad], fmg, ffr, ffc, ffo)
        _scatter_segment(hist, n_px, bidx, fmg, ffr, ffc, ffo, stride_r, stride_c)


@njit(nogil=True)
def _fold(hist, size, n_ori):
    """Sum the ``N_COPIES`` histogram copies into the first and fold each cell's extra slot
    (votes for orientation 0 from bin ``n_ori - 1``) onto orientation 0."""
    for c in range(1, N_COPIES):
        for t in range(size):
            hist[t] += hist[c * size + t]
    for t in range(0, size, n_ori + 1):
        hist[t] += hist[t + n_ori]


@njit(nogil=True)
def _normalise(hist, d, n_ori, stride_r, stride_c, clamp, vec, out):
    """The inner ``d x d`` cells of ``hist`` as a unit vector clamped at ``clamp`` and
    renormalised (Lowe 2004, sec. 6.1), order (row, col, ori), into ``out`` (float32)."""
    t = 0
    for i in range(d):
        for j in range(d):
            base = (i + 1) * stride_r + (j + 1) * stride_c
            for o in range(n_ori):
                vec[t] = hist[base + o]
                t += 1
    nrm = 0.0
    for t in range(vec.shape[0]):
        nrm += vec[t] ** 2
    thr = clamp * math.sqrt(nrm)
    nrm = 0.0
    for t in range(vec.shape[0]):
        v = min(vec[t], thr)
        vec[t] = v
        nrm += v * v
    scale = 1.0 / max(math.sqrt(nrm), 1e-12)
    for t in range(vec.shape[0]):
        out[t] = vec[t] * scale


@njit(cache=True, nogil=True)
def sift_descriptors(mag, ang, xs, ys, sigmas, angles, n_hist, n_ori, scale_factor, clamp, out):
    """SIFT descriptors with trilinear binning (Lowe 2004, sec. 6), written into ``out``.

    ``mag``/``ang``: (h, w) gradient magnitude and angle (radians in [0, 2 pi)) of one
    Gaussian level. For keypoint ``k``: a grid of ``n_hist x n_hist`` cells, each
    ``scale_factor * sigmas[k]`` pixels wide, rotated by ``angles[k]`` (radians in
    [0, 2 pi)) and centred at the sub-pixel position ``(xs[k], ys[k])``. Every gradient votes
    with its magnitude, weighted by a Gaussian of sigma ``n_hist / 2`` cells, into the 8
    nearest (row, col, orientation) bins of ``n_ori`` orientations. The vector is
    L2-normalised, clamped at ``clamp`` and renormalised. ``out`` is
    ``(n, n_hist * n_hist * n_ori)`` float32, order (row, col, ori); a keypoint whose window
    holds no gradient gets zeros.

    The histogram has a one-cell margin and ``n_ori + 1`` orientation slots per cell, so that
    no vote index wraps, and ``N_COPIES`` copies used in turn by neighbouring pixels, which
    mostly vote into the same bins: alternating breaks the store-to-load dependency chains of
    the scatter-adds. Unsigned indices keep wrap-around logic out of the scatter loop.
    """
    h, w = mag.shape
    d = n_hist
    stride_c = n_ori + 1
    stride_r = (d + 2) * stride_c
    size = (d + 2) * stride_r
    grid = (d, 0.5 * d - 0.5, n_ori / TWO_PI, n_ori, size, stride_r, stride_c)
    hist = np.zeros(N_COPIES * size, np.float64)
    wp = w + 8
    wx = np.zeros(wp, np.float64)
    bufs = (np.empty(wp, np.uint64), np.empty(wp, np.float64), np.empty(wp, np.float64),
            np.empty(wp, np.float64), np.empty(wp, np.float64))
    vec = np.empty(d * d * n_ori, np.float64)
    for k in range(xs.shape[0]):
        _vote(mag, ang, xs[k], ys[k], scale_factor * sigmas[k], angles[k], grid, hist, wx, bufs)
        _fold(hist, size, n_ori)
        _normalise(hist, d, n_ori, stride_r, stride_c, clamp, vec, out[k])


from ._compile import note_if_cold  # noqa: E402 (needs the kernels above)

note_if_cold(sift_descriptors)  # one log line if numba is about to compile this module
