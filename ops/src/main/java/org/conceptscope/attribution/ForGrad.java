package org.conceptscope.attribution;

import java.util.HashMap;
import java.util.Map;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.visualization.Dft2d;

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
		Map<String, String> meta = new HashMap<>(a.metadata());
		meta.put("method", name());
		meta.put("forgrad_bandwidth", Integer.toString(sigma));
		return new Attribution(new FloatTensor(a.maps().shape(), out), a.targets(), meta, null);
	}

	/** |IDFT(mask * DFT(|map|))| for each of n maps of h x w. */
	static float[] filter(float[] maps, int n, int h, int w, int sigma) {
		boolean[] keep = lowPass(h, w, sigma);
		Dft2d dft = new Dft2d(h, w);
		float[] out = new float[maps.length];
		double[] re = new double[h * w], im = new double[h * w];
		for (int i = 0; i < n; i++) {
			for (int p = 0; p < h * w; p++) {
				re[p] = Math.abs(maps[i * h * w + p]);
				im[p] = 0;
			}
			dft.transform(re, im, -1);
			for (int p = 0; p < h * w; p++) {
				if (!keep[p]) {
					re[p] = 0;
					im[p] = 0;
				}
			}
			dft.transform(re, im, +1);
			for (int p = 0; p < h * w; p++) out[i * h * w + p] = (float) (Math.hypot(re[p], im[p]) / (h * w));
		}
		return out;
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
