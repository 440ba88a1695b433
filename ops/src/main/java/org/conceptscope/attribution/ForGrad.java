package org.conceptscope.attribution;

import java.util.LinkedHashMap;
import java.util.Map;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * FORGrad (Muzellec et al. 2023, "Gradient strikes back: how filtering out high frequencies
 * improves explanations"), as Xplique applies it: the absolute value of a method's map is
 * low-pass filtered in Fourier space, keeping the frequencies within {@code bandwidth} of zero,
 * and the absolute value of the result is the new map. Gradient maps carry high-frequency noise
 * from strided convolutions and pooling; the filter keeps the part that ranks pixels well.
 * <p>
 * Xplique's mask is a disc of radius sigma (in frequency indices) on square images, default 15
 * at 224 pixels. Here the disc is measured on the shorter side's frequency scale, so that a
 * rectangular map is filtered alike along both axes (on square maps this is Xplique's disc);
 * {@link #defaultBandwidth} scales Xplique's 15 at 224 to the image size.
 */
public final class ForGrad implements AttributionMethod {

	private final AttributionMethod method;
	private final int bandwidth;

	/** @param bandwidth sigma: frequencies within this radius are kept; 0 chooses {@link #defaultBandwidth} for each image size */
	public ForGrad(AttributionMethod method, int bandwidth) {
		if (method == null) throw new IllegalArgumentException("ForGrad filters the map of a method; none was given.");
		if (bandwidth < 0) throw new IllegalArgumentException("The ForGrad bandwidth must be >= 0 (0: scaled from 15 at 224 pixels), got " + bandwidth + ".");
		this.method = method;
		this.bandwidth = bandwidth;
	}

	/** Xplique's (and the paper's) 15 at 224 pixels, scaled to the shorter side; at least 1. */
	public static int defaultBandwidth(int h, int w) {
		return Math.max(1, (int) Math.round(15.0 * Math.min(h, w) / 224));
	}

	@Override
	public String name() {
		return method.name() + "_forgrad";
	}

	@Override
	public boolean needsGradients() {
		return method.needsGradients();
	}

	@Override
	public void checkRuns(Classifier classifier) {
		method.checkRuns(classifier);
	}

	/**
	 * The wrapped method's, its completeness keys renamed ({@link Completeness#unfiltered}): the filter
	 * keeps the metadata, but a sum, change and gap describe the unfiltered map.
	 */
	@Override
	public java.util.List<String> perImageKeys() {
		return method.perImageKeys().stream().map(Completeness::unfiltered).toList();
	}

	@Override
	public AttributionMethod numberingImagesFrom(int first) {
		AttributionMethod m = method.numberingImagesFrom(first);
		return m == method ? this : new ForGrad(m, bandwidth);
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		Attribution a = method.explain(classifier, images, targets, progress);
		int n = (int) a.maps().dim(0), h = (int) a.maps().dim(1), w = (int) a.maps().dim(2);
		int sigma = bandwidth > 0 ? bandwidth : defaultBandwidth(h, w);
		if (sigma > Math.min(h, w)) {
			throw new IllegalArgumentException("The ForGrad bandwidth " + sigma + " exceeds the image size " + Math.min(h, w)
				+ "; use 1.." + Math.min(h, w) + " (smaller keeps fewer frequencies).");
		}
		float[] out = filter(a.maps().data(), n, h, w, sigma);
		// the method's sum, change and gap are of its own map, not of the filtered |map| the user gets: named so
		Map<String, String> meta = new LinkedHashMap<>();
		a.metadata().forEach((k, v) -> meta.put(Completeness.unfiltered(k), v));
		meta.put("method", name());
		meta.put("forgrad_bandwidth", Integer.toString(sigma));
		return new Attribution(new FloatTensor(a.maps().shape(), out), a.targets(), meta, null);
	}

	/**
	 * |IDFT(mask * DFT(|map|))| for each of n maps of h x w. The mask keeps a few low frequencies,
	 * so only the kept rows and columns of the spectrum are computed (separable direct sums over the
	 * frequencies that can pass): the same values as the full transforms, whose other terms are
	 * zero, at a fraction of the work. A row of the (real) map has a conjugate-symmetric transform,
	 * so only the non-negative kept column frequencies are summed.
	 */
	static float[] filter(float[] maps, int n, int h, int w, int sigma) {
		boolean[] keep = lowPass(h, w, sigma);
		int[] kx = keptIndices(keep, h, w, true), ky = keptIndices(keep, h, w, false);
		int nx = kx.length, ny = ky.length;
		// e^{-2 pi i k t / size} for the kept frequencies k and every position t
		double[][] cx = new double[nx][w], sx = new double[nx][w], cy = new double[ny][h], sy = new double[ny][h];
		for (int a = 0; a < nx; a++) for (int t = 0; t < w; t++) {
			double phi = 2 * Math.PI * ((long) kx[a] * t % w) / w;
			cx[a][t] = Math.cos(phi);
			sx[a][t] = Math.sin(phi);
		}
		for (int b = 0; b < ny; b++) for (int t = 0; t < h; t++) {
			double phi = 2 * Math.PI * ((long) ky[b] * t % h) / h;
			cy[b][t] = Math.cos(phi);
			sy[b][t] = Math.sin(phi);
		}
		float[] out = new float[maps.length];
		double[] rowRe = new double[h * nx], rowIm = new double[h * nx]; // rows transformed at the kept kx
		double[] fRe = new double[ny * nx], fIm = new double[ny * nx]; // the kept spectrum
		double[] bRe = new double[h * nx], bIm = new double[h * nx]; // columns transformed back
		double[] row = new double[w];
		// the kept column frequencies are symmetric (k kept iff -k is): the index of -kx[a]
		int[] mirror = new int[nx];
		for (int a = 0; a < nx; a++) mirror[a] = java.util.Arrays.binarySearch(kx, (w - kx[a]) % w);
		// one of each pair {k, -k} (k itself when it is its own mirror: 0, or w/2), with its waves by position
		int[] half = java.util.stream.IntStream.range(0, nx).filter(a -> mirror[a] >= a || mirror[a] < 0).toArray();
		for (int a : half) {
			if (mirror[a] < 0) throw new IllegalStateException("The low-pass mask is not symmetric.");
		}
		double[] cxT = new double[w * half.length], sxT = new double[w * half.length], hRe = new double[half.length], hIm = new double[half.length];
		for (int t = 0; t < w; t++) {
			for (int q = 0; q < half.length; q++) {
				cxT[t * half.length + q] = cx[half[q]][t];
				sxT[t * half.length + q] = sx[half[q]][t];
			}
		}
		for (int i = 0; i < n; i++) {
			int off = i * h * w;
			for (int y = 0; y < h; y++) {
				for (int t = 0; t < w; t++) row[t] = Math.abs(maps[off + y * w + t]);
				for (int a = 0; a < nx; a++) {
					if (mirror[a] >= 0 && mirror[a] < a) { // a real row's transform at -k is the conjugate of that at k
						rowRe[y * nx + a] = rowRe[y * nx + mirror[a]];
						rowIm[y * nx + a] = -rowIm[y * nx + mirror[a]];
						continue;
					}
					double re = 0, im = 0;
					double[] c = cx[a], s = sx[a];
					for (int t = 0; t < w; t++) {
						re += row[t] * c[t];
						im -= row[t] * s[t];
					}
					rowRe[y * nx + a] = re;
					rowIm[y * nx + a] = im;
				}
			}
			for (int b = 0; b < ny; b++) {
				double[] c = cy[b], s = sy[b];
				for (int a = 0; a < nx; a++) {
					double re = 0, im = 0;
					if (keep[ky[b] * w + kx[a]]) {
						for (int y = 0; y < h; y++) {
							double ar = rowRe[y * nx + a], ai = rowIm[y * nx + a];
							re += ar * c[y] + ai * s[y];
							im += ai * c[y] - ar * s[y];
						}
					}
					fRe[b * nx + a] = re;
					fIm[b * nx + a] = im;
				}
			}
			for (int y = 0; y < h; y++) {
				for (int a = 0; a < nx; a++) {
					double re = 0, im = 0;
					for (int b = 0; b < ny; b++) {
						double c = cy[b][y], s = sy[b][y], fr = fRe[b * nx + a], fi = fIm[b * nx + a];
						re += fr * c - fi * s;
						im += fi * c + fr * s;
					}
					bRe[y * nx + a] = re;
					bIm[y * nx + a] = im;
				}
			}
			// The filtered spectrum is conjugate-symmetric (real map, symmetric mask), so the result is
			// real: the terms at k and -k add up to twice the real part of one of them, and |z| = |Re z|.
			for (int y = 0; y < h; y++) {
				for (int q = 0; q < half.length; q++) {
					int a = half[q];
					double twice = mirror[a] == a ? 1 : 2;
					hRe[q] = twice * bRe[y * nx + a];
					hIm[q] = twice * bIm[y * nx + a];
				}
				for (int t = 0; t < w; t++) {
					double re = 0;
					int base = t * half.length;
					for (int q = 0; q < half.length; q++) re += hRe[q] * cxT[base + q] - hIm[q] * sxT[base + q];
					out[off + y * w + t] = (float) (Math.abs(re) / (h * w));
				}
			}
		}
		return out;
	}

	/** The column (x) or row (y) frequency indices that some kept coefficient uses, ascending. */
	private static int[] keptIndices(boolean[] keep, int h, int w, boolean columns) {
		int size = columns ? w : h;
		boolean[] used = new boolean[size];
		for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) if (keep[y * w + x]) used[columns ? x : y] = true;
		return java.util.stream.IntStream.range(0, size).filter(k -> used[k]).toArray();
	}

	/**
	 * Which DFT coefficients pass: (ky, kx), with signed frequencies (k or k - size), within a disc
	 * of radius sigma on the shorter side's scale. Symmetric under (ky, kx) -> (-ky, -kx), so the
	 * filtered map of a real map is real.
	 */
	static boolean[] lowPass(int h, int w, int sigma) {
		int side = Math.min(h, w);
		boolean[] keep = new boolean[h * w];
		for (int y = 0; y < h; y++) {
			double fy = (y <= h / 2 ? y : y - h) * (double) side / h;
			for (int x = 0; x < w; x++) {
				double fx = (x <= w / 2 ? x : x - w) * (double) side / w;
				keep[y * w + x] = Math.hypot(fy, fx) <= sigma;
			}
		}
		return keep;
	}
}
