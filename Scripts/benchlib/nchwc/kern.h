// Hand-written NCHW16c kernels (AVX-512). Layout: [C/16][H][W][16], C padded to 16.
#pragma once
#include <immintrin.h>
#include <string.h>
#define AI static inline __attribute__((always_inline))

// ---------------- 1x1 pointwise ----------------
// w packed [OCb][ICp][16]. in: ICb planes of stride ics floats; out/res: OCb planes stride ocs.
AI void pw_tile(const int NB, const int NP, const float *in, long ics, int ICp,
                const float *w, const float *bias, float *out, long ocs,
                const float *res, int relu) {
    __m512 acc[4][14];
#pragma GCC unroll 4
    for (int b = 0; b < NB; b++) {
        __m512 bv = _mm512_load_ps(bias + b * 16);
#pragma GCC unroll 14
        for (int p = 0; p < NP; p++) acc[b][p] = bv;
    }
    for (int icb = 0; icb < ICp / 16; icb++) {
        const float *ip = in + icb * ics;
        const float *wp = w + icb * 256;
#pragma GCC unroll 16
        for (int c = 0; c < 16; c++) {
            __m512 wv[4];
#pragma GCC unroll 4
            for (int b = 0; b < NB; b++) wv[b] = _mm512_load_ps(wp + (long)b * ICp * 16 + c * 16);
#pragma GCC unroll 14
            for (int p = 0; p < NP; p++) {
                __m512 x = _mm512_set1_ps(ip[p * 16 + c]);
#pragma GCC unroll 4
                for (int b = 0; b < NB; b++) acc[b][p] = _mm512_fmadd_ps(x, wv[b], acc[b][p]);
            }
        }
    }
    const __m512 z = _mm512_setzero_ps(), six = _mm512_set1_ps(6.f);
#pragma GCC unroll 4
    for (int b = 0; b < NB; b++)
#pragma GCC unroll 14
        for (int p = 0; p < NP; p++) {
            __m512 v = acc[b][p];
            if (res) v = _mm512_add_ps(v, _mm512_load_ps(res + b * ocs + p * 16));
            if (relu) v = _mm512_min_ps(_mm512_max_ps(v, z), six);
            _mm512_store_ps(out + b * ocs + p * 16, v);
        }
}

#define PWC(nb, np) case nb * 16 + np: pw_tile(nb, np, in, ics, ICp, w, bias, out, ocs, res, relu); break;
#define PWROW(nb) PWC(nb,1) PWC(nb,2) PWC(nb,3) PWC(nb,4) PWC(nb,5) PWC(nb,6)
static void pw_disp(int nb, int np, const float *in, long ics, int ICp, const float *w,
                    const float *bias, float *out, long ocs, const float *res, int relu) {
    switch (nb * 16 + np) {
        PWROW(1) PWROW(2) PWROW(3) PWROW(4)
        PWC(1,7) PWC(1,8) PWC(1,9) PWC(1,10) PWC(1,11) PWC(1,12) PWC(1,13) PWC(1,14)
        PWC(2,7) PWC(2,8) PWC(2,9) PWC(2,10) PWC(2,11) PWC(2,12) PWC(2,13) PWC(2,14)
        PWC(3,7) PWC(3,8) PWC(3,9)
        default: __builtin_trap();
    }
}

// Full 1x1 over HW positions. NB x NP main tile; tails handled with smaller tiles.
static void pw_conv(const float *in, long ics, int ICp, int OCp, int HW, const float *w,
                    const float *bias, float *out, long ocs, const float *res, int relu,
                    int NB, int NP) {
    int OCb = OCp / 16;
    for (int ob = 0; ob < OCb; ob += NB) {
        int nb = OCb - ob < NB ? OCb - ob : NB;
        const float *wb = w + (long)ob * ICp * 16;
        for (int p = 0; p < HW; p += NP) {
            int np = HW - p < NP ? HW - p : NP;
            pw_disp(nb, np, in + p * 16, ics, ICp, wb, bias + ob * 16, out + ob * ocs + p * 16,
                    ocs, res ? res + ob * ocs + p * 16 : 0, relu);
        }
    }
}

// ---------------- depthwise KxK stride S ----------------
// One channel block. in plane [ih][iw][16]; w [K*K][16]; out rows y0..y1-1 written at out + (oy-y0)*ow*16
AI void dw_tile(const int K, const int S, const int NP, const float *ir, int iw, int kyl, int kyh,
                const float *w, __m512 bv, float *o) {
    const __m512 z = _mm512_setzero_ps(), six = _mm512_set1_ps(6.f);
    __m512 a[8];
#pragma GCC unroll 8
    for (int p = 0; p < NP; p++) a[p] = bv;
    for (int ky = kyl; ky < kyh; ky++) {
        const float *r = ir + (long)ky * iw * 16;
#pragma GCC unroll 5
        for (int kx = 0; kx < K; kx++) {
            __m512 wv = _mm512_load_ps(w + (ky * K + kx) * 16);
#pragma GCC unroll 8
            for (int p = 0; p < NP; p++) a[p] = _mm512_fmadd_ps(_mm512_load_ps(r + (p * S + kx) * 16), wv, a[p]);
        }
    }
#pragma GCC unroll 8
    for (int p = 0; p < NP; p++) _mm512_store_ps(o + p * 16, _mm512_min_ps(_mm512_max_ps(a[p], z), six));
}
#define DWT(n) case n: dw_tile(K, S, n, ir, iw, kyl, kyh, w, bv, orow + ox * 16); break;
AI void dw_rows_t(const int K, const int S, const float *in, int ih, int iw, int pt, int pl,
                  const float *w, const float *bias, float *out, int ow, int y0, int y1) {
    const __m512 z = _mm512_setzero_ps(), six = _mm512_set1_ps(6.f), bv = _mm512_load_ps(bias);
    // interior columns: ox*S-pl >= 0 and ox*S-pl+K-1 <= iw-1
    int oxL = (pl + S - 1) / S; if (oxL > ow) oxL = ow;
    int oxR = (iw - K + pl) / S + 1; if (oxR > ow) oxR = ow; if (oxR < oxL) oxR = oxL;
    for (int oy = y0; oy < y1; oy++) {
        float *orow = out + (long)(oy - y0) * ow * 16;
        int iy0 = oy * S - pt;
        int kyl = iy0 < 0 ? -iy0 : 0, kyh = iy0 + K > ih ? ih - iy0 : K;
        // border (checked) columns
        for (int ox = 0; ox < ow; ox++) {
            if (ox == oxL && oxR > oxL) { ox = oxR - 1; continue; }
            __m512 a = bv;
            int ix0 = ox * S - pl;
            for (int ky = kyl; ky < kyh; ky++)
                for (int kx = 0; kx < K; kx++) {
                    int ix = ix0 + kx;
                    if (ix < 0 || ix >= iw) continue;
                    a = _mm512_fmadd_ps(_mm512_load_ps(in + ((long)(iy0 + ky) * iw + ix) * 16),
                                        _mm512_load_ps(w + (ky * K + kx) * 16), a);
                }
            _mm512_store_ps(orow + ox * 16, _mm512_min_ps(_mm512_max_ps(a, z), six));
        }
        int ox = oxL;
        for (; ox + 8 <= oxR; ox += 8) {
            const float *ir = in + ((long)iy0 * iw + ox * S - pl) * 16;
            dw_tile(K, S, 8, ir, iw, kyl, kyh, w, bv, orow + ox * 16);
        }
        if (ox < oxR) {
            const float *ir = in + ((long)iy0 * iw + ox * S - pl) * 16;
            switch (oxR - ox) { DWT(1) DWT(2) DWT(3) DWT(4) DWT(5) DWT(6) DWT(7) }
        }
    }
}
static void dw_rows_raw(int K, int S, const float *in, int ih, int iw, int pt, int pl, const float *w,
                        const float *bias, float *out, int ow, int y0, int y1) {
    if (K == 3 && S == 1) dw_rows_t(3, 1, in, ih, iw, pt, pl, w, bias, out, ow, y0, y1);
    else if (K == 3 && S == 2) dw_rows_t(3, 2, in, ih, iw, pt, pl, w, bias, out, ow, y0, y1);
    else if (K == 5 && S == 1) dw_rows_t(5, 1, in, ih, iw, pt, pl, w, bias, out, ow, y0, y1);
    else if (K == 5 && S == 2) dw_rows_t(5, 2, in, ih, iw, pt, pl, w, bias, out, ow, y0, y1);
    else __builtin_trap();
}
// If the needed input rows (zero-padded) fit a 96 KB scratch, copy them padded and run the
// branch-free interior kernel over the whole row; otherwise use border/interior split.
static float dw_scr[96 * 1024 / 4] __attribute__((aligned(64)));
static int dw_use_pad = 1;
static void dw_rows(int K, int S, const float *in, int ih, int iw, int pt, int pl, const float *w,
                    const float *bias, float *out, int ow, int y0, int y1) {
    int r0 = y0 * S - pt, r1 = (y1 - 1) * S - pt + K;
    int pwd = (ow - 1) * S + K; // padded width needed
    if (!dw_use_pad || (dw_use_pad == 2 && S != 1) || (long)(r1 - r0) * pwd * 16 > (long)(sizeof dw_scr / 4)) {
        dw_rows_raw(K, S, in, ih, iw, pt, pl, w, bias, out, ow, y0, y1);
        return;
    }
    for (int r = r0; r < r1; r++) {
        float *d = dw_scr + (long)(r - r0) * pwd * 16;
        if (r < 0 || r >= ih) { memset(d, 0, pwd * 64); continue; }
        int ncp = iw; if (pl + ncp > pwd) ncp = pwd - pl;
        memset(d, 0, pl * 64);
        memcpy(d + pl * 16, in + (long)r * iw * 16, ncp * 64);
        if (pl + ncp < pwd) memset(d + (pl + ncp) * 16, 0, (pwd - pl - ncp) * 64);
    }
    dw_rows_raw(K, S, dw_scr, r1 - r0, pwd, 0, 0, w, bias, out, ow, 0, y1 - y0);
}
static void dw_conv(int K, int S, const float *in, int Cp, int ih, int iw, int pt, int pl,
                    const float *w, const float *bias, float *out, int oh, int ow) {
    for (int cb = 0; cb < Cp / 16; cb++)
        dw_rows(K, S, in + (long)cb * ih * iw * 16, ih, iw, pt, pl, w + cb * K * K * 16,
                bias + cb * 16, out + (long)cb * oh * ow * 16, ow, 0, oh);
}

// ---------------- fused depthwise -> 1x1 project ----------------
// buf holds Cp x R rows x ow x 16 floats.
static void dwpw_fused(int K, int S, const float *in, int Cp, int ih, int iw, int pt, int pl,
                       const float *wdw, const float *bdw, int oh, int ow, const float *wpw,
                       const float *bpw, int OCp, float *out, const float *res, int relu,
                       int R, float *buf, int NB, int NP) {
    long ocs = (long)oh * ow * 16;
    for (int y0 = 0; y0 < oh; y0 += R) {
        int y1 = y0 + R > oh ? oh : y0 + R;
        long bcs = (long)(y1 - y0) * ow * 16;
        for (int cb = 0; cb < Cp / 16; cb++)
            dw_rows(K, S, in + (long)cb * ih * iw * 16, ih, iw, pt, pl, wdw + cb * K * K * 16,
                    bdw + cb * 16, buf + cb * bcs, ow, y0, y1);
        pw_conv(buf, bcs, Cp, OCp, (y1 - y0) * ow, wpw, bpw, out + (long)y0 * ow * 16, ocs,
                res ? res + (long)y0 * ow * 16 : 0, relu, NB, NP);
    }
}

// ---------------- stem 3x3 s2, NCHW (3ch) input -> NCHW16c output ----------------
// w packed [IC*9][OCp]; pads: top/left pt,pl (bottom/right handled by bounds)
static void stem_conv(const float *in, int IC, int ih, int iw, int pt, int pl, const float *w,
                      const float *bias, float *out, int OCp, int oh, int ow) {
    const __m512 z = _mm512_setzero_ps(), six = _mm512_set1_ps(6.f);
    for (int ob = 0; ob < OCp / 16; ob += 2)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox += 8) {
                int np = ow - ox < 8 ? ow - ox : 8;
                __m512 a0[8], a1[8];
#pragma GCC unroll 8
                for (int p = 0; p < 8; p++) { a0[p] = _mm512_load_ps(bias + ob * 16); a1[p] = _mm512_load_ps(bias + ob * 16 + 16); }
                for (int c = 0; c < IC; c++)
                    for (int ky = 0; ky < 3; ky++) {
                        int iy = oy * 2 - pt + ky;
                        if (iy < 0 || iy >= ih) continue;
                        const float *ir = in + ((long)c * ih + iy) * iw;
                        for (int kx = 0; kx < 3; kx++) {
                            const float *wp = w + ((c * 3 + ky) * 3 + kx) * OCp + ob * 16;
                            __m512 w0 = _mm512_load_ps(wp), w1 = _mm512_load_ps(wp + 16);
                            int ixb = ox * 2 - pl + kx;
                            if (ixb >= 0 && ixb + 14 < iw) {
#pragma GCC unroll 8
                                for (int p = 0; p < 8; p++) {
                                    __m512 x = _mm512_set1_ps(ir[ixb + 2 * p]);
                                    a0[p] = _mm512_fmadd_ps(x, w0, a0[p]);
                                    a1[p] = _mm512_fmadd_ps(x, w1, a1[p]);
                                }
                            } else {
#pragma GCC unroll 8
                                for (int p = 0; p < 8; p++) {
                                    int ix = ixb + 2 * p;
                                    __m512 x = _mm512_set1_ps((p < np && ix >= 0 && ix < iw) ? ir[ix] : 0.f);
                                    a0[p] = _mm512_fmadd_ps(x, w0, a0[p]);
                                    a1[p] = _mm512_fmadd_ps(x, w1, a1[p]);
                                }
                            }
                        }
                    }
#pragma GCC unroll 8
                for (int p = 0; p < 8; p++) if (p < np) {
                    _mm512_store_ps(out + ((long)ob * oh * ow + oy * ow + ox + p) * 16, _mm512_min_ps(_mm512_max_ps(a0[p], z), six));
                    _mm512_store_ps(out + ((long)(ob + 1) * oh * ow + oy * ow + ox + p) * 16, _mm512_min_ps(_mm512_max_ps(a1[p], z), six));
                }
            }
}
