"""Image retrieval with hypervectors: SIFT features -> KeypointEncoder -> AssociativeMemory.

Every database image is stored as one hypervector (the bundle of its visual-word hypervectors).
Each image is then queried with transformed views of it (rotation, scale, perspective, blur,
noise, brightness), and we report top-1 / top-5 retrieval accuracy and the time per query,
beside the classical baseline on the very same features: count the ratio-test matches
(``vision.match``: mutual nearest neighbours, ratio 0.8) of the query against every database
image and rank by that count.

Timing: SIFT extraction is shared by both methods and reported on its own. The *query time* of
each method starts once the query's keypoints and descriptors exist: for HDC it is encoding the
descriptors into a hypervector (``KeypointEncoder.transform``) plus the search
(``AssociativeMemory.query``, k=5); for the baseline it is the matching against every database
image and the ranking. Both run one query at a time in the same process, each method in its own
loop. The same search done with ``hdc.hamming`` on the memory's vectors is timed as well,
because ``AssociativeMemory.query`` launches a thread pool even for one query.

Default images (no download): ``images/`` of the shared data folder (graf1, box, box_in_scene;
graf3 is left out because it shows the same wall as graf1; ``hdkit data`` shows where the folder
is) plus scikit-image's bundled samples, converted to grey. Images whose both sides are >= 800
pixels (retina, hubble_deep_field) are cut into 2x2 non-overlapping tiles, each tile a database
image of its own; every image is then shrunk to at most 512 pixels a side. That gives 33
database images. ``--images DIR`` uses every image file of a folder instead (same tiling and
resizing).

Features: ``vision.SIFT(max_features=500, contrast_threshold=0.02)`` for database images and
queries alike. The contrast threshold is half OpenCV's default because several samples are
low-contrast (retina, cell, microaneurysms find under 60 keypoints at 0.04); images with almost
no keypoints (colorwheel, clock) stay in the database and count as misses when missed.

Usage::

    python examples/image_retrieval.py            # 33 images x 10 queries (~5 minutes)
    python examples/image_retrieval.py --quick    # 12 images x 3 queries, smoke run
    python examples/image_retrieval.py --images DIR --queries 10

The last line is ``top1=0.xx top5=0.xx speedup=NN`` (HDC top-1/top-5; speedup = baseline query
time / HDC query time).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

import hdc
from encoders import KeypointEncoder
from hdkit.datasets import DatasetNotFoundError, find_shared
from vision import SIFT, match

SHARED_FILES = ("graf1.png", "box.png", "box_in_scene.png")
SKIMAGE_NAMES = (
    "astronaut", "binary_blobs", "brick", "camera", "cell", "chelsea", "checkerboard", "clock",
    "coffee", "coins", "colorwheel", "grass", "gravel", "horse", "hubble_deep_field",
    "immunohistochemistry", "logo", "microaneurysms", "moon", "page", "retina", "rocket",
    "shepp_logan_phantom", "text",
)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".pgm", ".ppm"}
MAX_SIDE = 512
TILE_SIDE = 800


def to_gray_uint8(image: np.ndarray) -> np.ndarray:
    """Grey uint8 of any skimage/OpenCV image (bool, float in [0, 1], RGB(A) or grey)."""
    image = np.asarray(image)
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    elif np.issubdtype(image.dtype, np.floating):
        image = np.clip(image * 255.0, 0, 255).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if image.ndim == 3:
        code = cv2.COLOR_RGBA2GRAY if image.shape[2] == 4 else cv2.COLOR_RGB2GRAY
        image = cv2.cvtColor(image, code)
    return np.ascontiguousarray(image)


def tiles_and_resize(name: str, image: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """2x2 tiles of images with both sides >= TILE_SIDE, then shrink to MAX_SIDE."""
    h, w = image.shape
    parts = [(name, image)]
    if min(h, w) >= TILE_SIDE:
        rows, cols = (0, h // 2, h), (0, w // 2, w)
        parts = [
            (f"{name}[{r},{c}]", image[rows[r] : rows[r + 1], cols[c] : cols[c + 1]])
            for r in range(2)
            for c in range(2)
        ]
    out = []
    for label, part in parts:
        scale = MAX_SIDE / max(part.shape)
        if scale < 1:
            part = cv2.resize(part, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        out.append((label, np.ascontiguousarray(part)))
    return out


def load_default_images() -> list[tuple[str, np.ndarray]]:
    try:
        import skimage.data
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(
            "the default image set needs scikit-image: pip install 'hdkit[examples]', "
            "or pass --images DIR"
        ) from exc
    images = []
    for file in SHARED_FILES:
        try:
            path = find_shared("images", file)
        except DatasetNotFoundError as exc:
            raise SystemExit(f"error: {exc} Or point --images at a folder of images.") from None
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise SystemExit(f"cannot read {path}; point --images at a folder of images")
        images += tiles_and_resize(file, image)
    for name in SKIMAGE_NAMES:
        images += tiles_and_resize(name, to_gray_uint8(getattr(skimage.data, name)()))
    return images


def load_folder(folder: Path) -> list[tuple[str, np.ndarray]]:
    images = []
    for file in sorted(folder.iterdir()):
        if file.suffix.lower() in IMAGE_SUFFIXES:
            image = cv2.imread(str(file), cv2.IMREAD_GRAYSCALE)
            if image is not None and min(image.shape) >= 32:
                images += tiles_and_resize(file.name, image)
    if not images:
        raise SystemExit(f"no readable image of at least 32x32 pixels in {folder}")
    return images


def random_view(
    image: np.ndarray,
    rng: np.random.Generator,
    rotation: tuple[float, float] = (0.0, 30.0),
    scale_range: tuple[float, float] = (0.7, 1.4),
) -> tuple[np.ndarray, dict]:
    """A transformed view; by default moderate: rotation <= 30 deg, scale 0.7-1.4, mild
    perspective (corners moved by <= 5 % of the side), Gaussian blur (sigma <= 1.2),
    brightness/contrast change (gain 0.8-1.2, offset +-20) and Gaussian noise (sigma <= 6).

    The rotation angle is uniform in ``[-rotation[1], rotation[1]]`` when ``rotation[0]`` is 0,
    else ``rotation[0] <= |angle| <= rotation[1]`` with a random sign."""
    h, w = image.shape
    low, high = rotation
    if low == 0:
        angle = rng.uniform(-high, high)
    else:
        angle = rng.uniform(low, high) * rng.choice([-1.0, 1.0])
    scale = rng.uniform(*scale_range)
    A = np.vstack([cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, scale), [0, 0, 1]])
    corners = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    jitter = rng.uniform(-0.05, 0.05, size=(4, 2)) * [w, h]
    P = cv2.getPerspectiveTransform(corners, np.float32(corners + jitter))
    view = cv2.warpPerspective(image, P @ A, (w, h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    sigma = rng.uniform(0.0, 1.2)
    if sigma > 0.3:
        view = cv2.GaussianBlur(view, (0, 0), sigma)
    gain, offset = rng.uniform(0.8, 1.2), rng.uniform(-20, 20)
    noise = rng.uniform(0, 6)
    out = view.astype(np.float32) * gain + offset + rng.normal(0, noise, view.shape)
    params = {"angle": angle, "scale": scale, "blur": sigma, "noise": noise}
    return np.clip(out, 0, 255).astype(np.uint8), params


def rank_of(truth: int, order: np.ndarray) -> int:
    hits = np.flatnonzero(order == truth)
    return int(hits[0]) if hits.size else len(order)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=Path, help="folder of database images")
    parser.add_argument("--queries", type=int, default=10, help="transformed views per image")
    parser.add_argument("--max-images", type=int, default=None, help="use the first N images")
    parser.add_argument("--dim", type=int, default=16384, help="hypervector bits")
    parser.add_argument("--tables", type=int, default=4, help="KeypointEncoder n_tables")
    parser.add_argument("--hash-bits", type=int, default=16, help="KeypointEncoder hash_bits")
    parser.add_argument("--max-features", type=int, default=500, help="SIFT keypoints per image")
    parser.add_argument("--contrast-threshold", type=float, default=0.02,
                        help="SIFT contrast threshold (OpenCV's default is 0.04)")
    parser.add_argument("--rotation", type=float, nargs=2, default=(0.0, 30.0),
                        metavar=("MIN", "MAX"), help="|rotation| range of the queries, degrees")
    parser.add_argument("--scale", type=float, nargs=2, default=(0.7, 1.4),
                        metavar=("MIN", "MAX"), help="scale range of the queries")
    parser.add_argument("--position-levels", type=int, default=0,
                        help="KeypointEncoder position_levels (0: bag of words)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the match baseline")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="12 images x 3 queries")
    args = parser.parse_args(argv)
    if args.quick:
        args.max_images, args.queries = args.max_images or 12, 3

    images = load_folder(args.images) if args.images else load_default_images()
    images = images[: args.max_images]
    names = [name for name, _ in images]
    n_db = len(images)
    rng = np.random.default_rng(args.seed)
    sift = SIFT(max_features=args.max_features, contrast_threshold=args.contrast_threshold)

    t0 = time.perf_counter()
    db_features = [sift.detect_and_compute(image) for _, image in images]
    queries, truth = [], []
    for i, (_, image) in enumerate(images):
        for _ in range(args.queries):
            view, _ = random_view(image, rng, tuple(args.rotation), tuple(args.scale))
            queries.append(sift.detect_and_compute(view))
            truth.append(i)
    extract = (time.perf_counter() - t0) / (n_db + len(queries))
    truth = np.array(truth)

    encoder = KeypointEncoder(dim=args.dim, n_tables=args.tables, hash_bits=args.hash_bits,
                              position_levels=args.position_levels, random_state=args.seed)
    memory = hdc.AssociativeMemory(encoder.fit(db_features).dim_)
    memory.add(encoder.transform(db_features), np.arange(n_db))
    k = min(5, n_db)
    encoder.transform(queries[:1])  # compile / warm caches before timing
    # Each stage runs over all queries in its own loop, one query at a time, so no stage times
    # another's after-effects (e.g. BLAS threads still spinning after the baseline's products).
    t = time.perf_counter()
    hvs = [encoder.transform([(keypoints, desc)])[0] for keypoints, desc in queries]
    t_encode = time.perf_counter() - t
    t = time.perf_counter()
    hdc_rank = [memory.query(hv, k=k)[0].astype(np.int64) for hv in hvs]
    t_memory = time.perf_counter() - t
    t = time.perf_counter()
    for hv in hvs:  # the same search on the memory's vectors with the serial hdc.hamming path
        np.argsort(hdc.hamming(hv, memory.vectors), kind="stable")[:k]
    t_hamming = time.perf_counter() - t
    t = time.perf_counter()
    base_rank = []
    for _, desc in [] if args.no_baseline else queries:
        counts = np.array([len(match(desc, d)) for _, d in db_features])
        base_rank.append(np.argsort(-counts, kind="stable"))
    t_base = time.perf_counter() - t
    t_hdc = t_encode + t_memory
    hdc_rank = [rank_of(i, order) for i, order in zip(truth, hdc_rank, strict=True)]
    base_rank = [rank_of(i, order) for i, order in zip(truth, base_rank, strict=False)]
    n_q = len(queries)
    ranks = {"hdc": np.array(hdc_rank), "baseline": np.array(base_rank)}
    times = {"hdc": t_hdc, "baseline": t_base}
    res = {"n_database": n_db, "n_queries": n_q, "extract_ms": 1e3 * extract}
    for key in ("hdc",) if args.no_baseline else ("hdc", "baseline"):
        res[key] = {"top1": float((ranks[key] < 1).mean()), "top5": float((ranks[key] < 5).mean()),
                    "query_ms": 1e3 * times[key] / n_q}
    res["hdc"].update(encode_ms=1e3 * t_encode / n_q, memory_query_ms=1e3 * t_memory / n_q,
                      hamming_search_ms=1e3 * t_hamming / n_q)
    base_ms = float("nan") if args.no_baseline else res["baseline"]["query_ms"]
    res["speedup"] = base_ms / res["hdc"]["query_ms"]
    res["speedup_hamming_search"] = base_ms / (
        res["hdc"]["encode_ms"] + res["hdc"]["hamming_search_ms"]
    )
    print(f"database: {n_db} images, {n_q} queries ({args.queries} per image); SIFT "
          f"max_features={args.max_features}, contrast_threshold={args.contrast_threshold}; "
          f"KeypointEncoder dim={encoder.dim_}, n_tables={args.tables}, hash_bits={args.hash_bits}")
    print(f"feature extraction (shared by both, per image): {res['extract_ms']:.1f} ms")
    print(f"{'method':<34}{'top-1':>8}{'top-5':>8}{'query ms':>11}")
    for key, label in (("hdc", "HDC (KeypointEncoder + memory)"),
                       ("baseline", "ratio-test match count")):
        if key not in res:
            continue
        r = res[key]
        print(f"{label:<34}{r['top1']:>8.3f}{r['top5']:>8.3f}{r['query_ms']:>11.2f}")
    h = res["hdc"]
    print(f"HDC query = encode {h['encode_ms']:.2f} ms + AssociativeMemory.query "
          f"{h['memory_query_ms']:.2f} ms; the same search with hdc.hamming takes "
          f"{h['hamming_search_ms']:.3f} ms (speedup {res['speedup_hamming_search']:.0f}x)")
    for key in ("hdc", "baseline"):
        if key not in res:
            continue
        missed = np.bincount(truth[ranks[key] > 0], minlength=n_db)
        text = ", ".join(f"{names[i]} {missed[i]}" for i in np.flatnonzero(missed))
        label = "HDC" if key == "hdc" else key
        print(f"{label} top-1 misses (image: count of {args.queries}): {text or 'none'}")
    out = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "image_retrieval.json"
    # (the JSON of the last run; benchmarks/results is git-ignored)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, **res},
                              indent=2))
    print(f"top1={res['hdc']['top1']:.2f} top5={res['hdc']['top5']:.2f} "
          f"speedup={res['speedup']:.0f}")
    return res


if __name__ == "__main__":
    main()
