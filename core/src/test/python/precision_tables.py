#!/usr/bin/python3
"""Reference tables for io.finitegrad.core.Precision.round (PrecisionTableTest reads them).

How to run (from the repository root, on a developer machine; the build never runs this):

    apt-get install -y python3-numpy        # Debian's numpy, if /usr/bin/python3 lacks it
    /usr/bin/python3 core/src/test/python/precision_tables.py

It rewrites (gzip with mtime 0, so an unchanged table is an unchanged file under the same zlib):

    core/src/test/resources/io/finitegrad/core/precision/float16.txt.gz
    core/src/test/resources/io/finitegrad/core/precision/bfloat16.txt.gz

Each is text: '#' comment lines, then one case per line, "<input> <expected>", both the raw bits of
a double as 16 lower-case hex digits. An expected NaN is written as the word "nan" (any NaN will do).

Inputs: every value of the format that the table covers (for float16 all 65,536 bit patterns, NaNs
included; for bfloat16 every value whose exponent lies in the ranges below), and for each pair of
neighbouring values of one sign the exact midpoint and the doubles one ulp either side of it. The
neighbour above the largest finite value is the first power of two past it (where Infinity begins
for rounding), and the neighbour below the smallest subnormal is zero. A few double extremes close
each table.

Expected values: float16 from numpy's float16 cast from float64 (a direct, correctly rounded
conversion, not through float32), cross-checked here against exact rational arithmetic; bfloat16
from exact rational arithmetic (fractions.Fraction), round to nearest, ties to even.
"""

import gzip
import math
import os
import struct
import sys
from fractions import Fraction

import numpy as np

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'resources',
                                   'io', 'finitegrad', 'core', 'precision'))


def bits(x):
    return struct.unpack('<Q', struct.pack('<d', x))[0]


def hexbits(x):
    return 'nan' if math.isnan(x) else '%016x' % bits(x)


def round_exact(x, fraction_bits, min_exp, max_exp):
    """x (a double) rounded to the binary format with the given fraction bits and exponent range,
    to nearest with ties to even, by exact rational arithmetic; returns a double."""
    if math.isnan(x) or math.isinf(x) or x == 0.0:
        return x
    sign = -1.0 if x < 0 else 1.0
    a = Fraction(abs(x))
    e = math.floor(math.log2(a))
    # log2 of a Fraction may be off by one near powers of two: settle it exactly
    while Fraction(2) ** e > a:
        e -= 1
    while Fraction(2) ** (e + 1) <= a:
        e += 1
    quantum = Fraction(2) ** (max(e, min_exp) - fraction_bits)
    q, r = divmod(a, quantum)
    half = quantum / 2
    if r > half or (r == half and q % 2 == 1):
        q += 1
    y = q * quantum
    max_finite = (2 - Fraction(2) ** -fraction_bits) * Fraction(2) ** max_exp
    if y > max_finite:
        return sign * math.inf
    return sign * float(y)  # exact: y has at most fraction_bits + 1 significant bits


def numpy_half(x):
    with np.errstate(over='ignore'):
        return float(np.float16(np.float64(x)))


def up(x):
    return float(np.nextafter(x, math.inf))


def down(x):
    return float(np.nextafter(x, -math.inf))


def neighbour_cases(values, above_max):
    """values: the non-negative finite values of a format, ascending, starting at 0. Yields the
    inputs for every neighbouring pair (midpoint and its two double neighbours), for both signs."""
    ladder = values + [above_max]
    for lo, hi in zip(ladder, ladder[1:]):
        mid = (Fraction(lo) + Fraction(hi)) / 2
        m = float(mid)
        assert Fraction(m) == mid, 'midpoint not exact in double'
        for x in (down(m), m, up(m)):
            yield x
            yield -x


def write(name, header, cases):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    lines = ['# ' + h for h in header] + ['%016x %s' % (bits(x), hexbits(y)) for x, y in cases]
    data = ('\n'.join(lines) + '\n').encode('ascii')
    with open(path, 'wb') as f:
        with gzip.GzipFile(filename='', mode='wb', fileobj=f, mtime=0, compresslevel=9) as g:
            g.write(data)
    print('%s: %d cases, %d bytes' % (path, len(cases), os.path.getsize(path)))


EXTREMES = [0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324, 2.2250738585072014e-308,
            -2.2250738585072014e-308, sys.float_info.max, -sys.float_info.max, 1e-300, 1e300]


def float16_table():
    inputs = []
    # every bit pattern, decoded exactly by numpy (NaN payloads included)
    patterns = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float64)
    inputs += [float(v) for v in patterns]
    positives = sorted({float(v) for v in patterns if np.isfinite(v) and v >= 0})
    inputs += list(neighbour_cases(positives, 65536.0))
    inputs += EXTREMES
    cases = []
    for x in inputs:
        expected = numpy_half(x)
        exact = round_exact(x, 10, -14, 15)
        if not (math.isnan(expected) and math.isnan(exact)) and bits(expected) != bits(exact):
            raise SystemExit('numpy and exact rounding disagree at %r: %r vs %r' % (x, expected, exact))
        cases.append((x, expected))
    write('float16.txt.gz', [
        'Precision.FLOAT16 reference: numpy %s float16(float64(x)), checked against exact rationals.' % np.__version__,
        'Generated by core/src/test/python/precision_tables.py; "<input bits> <expected bits>" in hex.',
        'Every float16 bit pattern, every midpoint of neighbouring values and its double neighbours.'], cases)


# bfloat16 binades 2^e covered, besides every subnormal: the lowest normals, a band around 1, the top
BF16_EXPONENTS = list(range(-126, -118)) + list(range(-12, 13)) + list(range(118, 128))


def bf16_step_above(v):
    """The distance from v (a non-negative bfloat16 value) to the next one up."""
    if v < math.ldexp(1.0, -126):
        return math.ldexp(1.0, -133)
    return math.ldexp(1.0, math.frexp(v)[1] - 1 - 7)


def bf16_step_below(v):
    """The distance from v (a positive bfloat16 value) to the next one down."""
    if v <= math.ldexp(1.0, -126):
        return math.ldexp(1.0, -133)
    m, e = math.frexp(v)  # v = m * 2^e, m in [0.5, 1)
    return math.ldexp(1.0, e - 1 - 7 - (1 if m == 0.5 else 0))


def bfloat16_table():
    values = [0.0] + [math.ldexp(k, -133) for k in range(1, 128)]
    values += [math.ldexp(1.0 + k / 128.0, e) for e in BF16_EXPONENTS for k in range(128)]
    inputs = []
    for v in values:
        inputs += [v, -v]
    # each covered value with both its neighbours, also those just outside the covered binades;
    # above the largest finite value the neighbour is 2^128, where rounding reaches Infinity
    pairs = set()
    for v in values:
        pairs.add((v, v + bf16_step_above(v)))
        if v > 0:
            pairs.add((v - bf16_step_below(v), v))
    for lo, hi in sorted(pairs):
        mid = (Fraction(lo) + Fraction(hi)) / 2
        m = float(mid)
        assert Fraction(m) == mid, 'midpoint not exact in double'
        for x in (down(m), m, up(m)):
            inputs += [x, -x]
    inputs += EXTREMES
    cases = [(x, round_exact(x, 7, -126, 127)) for x in inputs]
    write('bfloat16.txt.gz', [
        'Precision.BFLOAT16 reference: exact rational round to nearest, ties to even (Python fractions).',
        'Generated by core/src/test/python/precision_tables.py; "<input bits> <expected bits>" in hex.',
        'Every subnormal and every value of the binades 2^e, e in -126..-119, -12..12, 118..127, both signs;',
        'the midpoint between each and its neighbours (the neighbour past the largest finite value is 2^128),',
        'and the doubles one ulp either side of each midpoint.'], cases)


if __name__ == '__main__':
    float16_table()
    bfloat16_table()
