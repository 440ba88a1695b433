package org.conceptscope.visualization;

import java.util.Random;
import java.util.concurrent.CancellationException;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * MACO feature visualisation (Fel et al. 2023): an image that maximises a class logit (or any
 * {@link Objective}, e.g. a unit of an interpretable head), found by
 * optimising only the Fourier phase while the magnitude spectrum stays fixed, so the image keeps
 * the spectrum (texture statistics, brightness, contrast) of real images. For microscopy the
 * magnitude is the mean magnitude spectrum of the user's own images, per channel. Each step
 * scores a random crop (scale in [minCrop, 1], resized bilinearly back to the input size); the
 * phase follows Adam. The transparency map accumulates the absolute input gradient: where the
 * optimisation kept pushing, i.e. what matters in the visualisation.
 */
public final class Maco {

	/**
	 * The visualisation [1, H, W, C], its transparency [1, H, W] in [0, 1], the target logit of each step's crop, and the
	 * target logit of the whole image before the first step and after the last.
	 */
	public record Result(FloatTensor image, FloatTensor transparency, double[] scores, double startScore, double finalScore) {}

	private final int steps;
	private final double learningRate, minCrop;
	private final long seed;

	public Maco(int steps, double learningRate, double minCrop, long seed) {
		if (steps < 1 || !(learningRate > 0) || !(minCrop > 0 && minCrop <= 1)) {
			throw new IllegalArgumentException("MACO needs steps >= 1, a positive learning rate and a crop scale in (0, 1].");
		}
		this.steps = steps;
		this.learningRate = learningRate;
		this.minCrop = minCrop;
		this.seed = seed;
	}

	/** Mean magnitude spectrum [C][H*W] of normalised reference images [N, H, W, C]. */
	public static double[][] magnitude(FloatTensor images) {
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		Dft2d dft = new Dft2d(h, w);
		double[][] mag = new double[c][h * w];
		for (int i = 0; i < n; i++) {
			for (int ch = 0; ch < c; ch++) {
				double[] re = new double[h * w], im = new double[h * w];
				for (int p = 0; p < h * w; p++) re[p] = images.data()[(i * h * w + p) * c + ch];
				dft.transform(re, im, -1);
				for (int p = 0; p < h * w; p++) mag[ch][p] += Math.hypot(re[p], im[p]) / n;
			}
		}
		return mag;
	}

	/** What MACO raises: a score of one input [1, H, W, C] of a model with a fixed input size, and its input gradient. */
	public interface Objective {

		/** The model's input shape [N, H, W, C] (N may be -1). */
		long[] inputShape();

		double score(FloatTensor image);

		/** d score / d image, shape [1, H, W, C]. */
		FloatTensor gradient(FloatTensor image);

		/** A class's logit. */
		static Objective classLogit(Classifier classifier, int target) {
			if (target < 0 || target >= classifier.numClasses()) throw new IllegalArgumentException("Class " + target + " does not exist.");
			FloatTensor oneHot = FloatTensor.oneHot(new int[] { target }, classifier.numClasses());
			return new Objective() {
				@Override
				public long[] inputShape() {
					return classifier.signature().input().shape();
				}

				@Override
				public double score(FloatTensor image) {
					return classifier.logits(image).get(0, target);
				}

				@Override
				public FloatTensor gradient(FloatTensor image) {
					return classifier.inputGradient(image, oneHot);
				}
			};
		}
	}

	public Result visualize(Classifier classifier, double[][] magnitude, int target, Progress progress) {
		return visualize(Objective.classLogit(classifier, target), magnitude, progress);
	}

	public Result visualize(Objective objective, double[][] magnitude, Progress progress) {
		long[] in = objective.inputShape();
		int h = (int) in[1], w = (int) in[2], c = (int) in[3];
		if (h < 1 || w < 1 || c < 1) throw new IllegalArgumentException("MACO needs a model with a fixed input size.");
		if (magnitude.length != c || magnitude[0].length != h * w) {
			throw new IllegalArgumentException("The magnitude spectrum must be " + c + " x " + (h * w) + " (channels x pixels) for this model.");
		}
		Random rnd = new Random(seed);
		Dft2d dft = new Dft2d(h, w);
		double[][] phase = new double[c][h * w];
		// the DC phase stays 0: the image keeps the references' mean brightness
		for (double[] ph : phase) for (int p = 1; p < ph.length; p++) ph[p] = (rnd.nextDouble() * 2 - 1) * Math.PI;
		double[][] m1 = new double[c][h * w], m2 = new double[c][h * w];
		double[] transparency = new double[h * w];
		double[] scores = new double[steps];
		float[] x = new float[h * w * c];
		image(dft, magnitude, phase, h, w, c, x, new double[c][], new double[c][]);
		double startScore = objective.score(new FloatTensor(new long[] { 1, h, w, c }, x.clone()));
		for (int t = 1; t <= steps; t++) {
			double[][] zr = new double[c][], zi = new double[c][];
			image(dft, magnitude, phase, h, w, c, x, zr, zi);
			// random crop, resized back to the input size: a linear map, so its adjoint carries the gradient back
			double scale = minCrop + rnd.nextDouble() * (1 - minCrop);
			int ch0 = Math.max(1, (int) Math.round(h * scale)), cw0 = Math.max(1, (int) Math.round(w * scale));
			int oy = rnd.nextInt(h - ch0 + 1), ox = rnd.nextInt(w - cw0 + 1);
			CropResize crop = new CropResize(h, w, c, oy, ox, ch0, cw0);
			float[] view = crop.apply(x);
			FloatTensor batch = new FloatTensor(new long[] { 1, h, w, c }, view);
			scores[t - 1] = objective.score(batch);
			float[] gv = objective.gradient(batch).data();
			double[] g = crop.adjoint(gv);
			for (int p = 0; p < h * w; p++) for (int ch = 0; ch < c; ch++) transparency[p] += Math.abs(g[p * c + ch]);
			for (int ch = 0; ch < c; ch++) {
				// dL/dphi(k) = -Im(Z(k) G(k)) with G the inverse DFT (1/(HW) sum) of the image gradient
				double[] gr = new double[h * w], gi = new double[h * w];
				for (int p = 0; p < h * w; p++) gr[p] = g[p * c + ch];
				dft.transform(gr, gi, +1);
				for (int p = 1; p < h * w; p++) {
					double grad = -(zr[ch][p] * gi[p] + zi[ch][p] * gr[p]) / (h * w);
					// gradient ascent with Adam
					m1[ch][p] = 0.9 * m1[ch][p] + 0.1 * grad;
					m2[ch][p] = 0.999 * m2[ch][p] + 0.001 * grad * grad;
					double mh = m1[ch][p] / (1 - Math.pow(0.9, t)), vh = m2[ch][p] / (1 - Math.pow(0.999, t));
					phase[ch][p] += learningRate * mh / (Math.sqrt(vh) + 1e-8);
				}
			}
			if (!progress.report(t, steps, "MACO step " + t)) throw new CancellationException("MACO cancelled at step " + t + ".");
		}
		image(dft, magnitude, phase, h, w, c, x, new double[c][], new double[c][]);
		double max = 0;
		for (double v : transparency) max = Math.max(max, v);
		float[] alpha = new float[h * w];
		for (int p = 0; p < h * w; p++) alpha[p] = (float) (max > 0 ? transparency[p] / max : 0);
		FloatTensor result = new FloatTensor(new long[] { 1, h, w, c }, x.clone());
		return new Result(result, new FloatTensor(new long[] { 1, h, w }, alpha), scores, startScore, objective.score(result));
	}

	/** x = Re(IDFT(M e^{i phi})) per channel; keeps Z = M e^{i phi} for the gradient. */
	private static void image(Dft2d dft, double[][] mag, double[][] phase, int h, int w, int c, float[] x, double[][] zr, double[][] zi) {
		for (int ch = 0; ch < c; ch++) {
			double[] re = new double[h * w], im = new double[h * w];
			for (int p = 0; p < h * w; p++) {
				re[p] = mag[ch][p] * Math.cos(phase[ch][p]);
				im[p] = mag[ch][p] * Math.sin(phase[ch][p]);
			}
			zr[ch] = re.clone();
			zi[ch] = im.clone();
			dft.transform(re, im, +1);
			for (int p = 0; p < h * w; p++) x[p * c + ch] = (float) (re[p] / (h * w));
		}
	}

	/** Crop [oy, oy+ch) x [ox, ox+cw) resized bilinearly to h x w, and its adjoint (transpose). */
	static final class CropResize {
		final int h, w, c, oy, ox, ch, cw;

		CropResize(int h, int w, int c, int oy, int ox, int ch, int cw) {
			this.h = h;
			this.w = w;
			this.c = c;
			this.oy = oy;
			this.ox = ox;
			this.ch = ch;
			this.cw = cw;
		}

		private interface Visitor {
			void visit(int out, int src, double weight);
		}

		private void each(Visitor v) {
			for (int y = 0; y < h; y++) {
				double fy = Math.max(0, Math.min(ch - 1, (y + 0.5) * ch / h - 0.5));
				int y0 = (int) fy, y1 = Math.min(y0 + 1, ch - 1);
				double ty = fy - y0;
				for (int x = 0; x < w; x++) {
					double fx = Math.max(0, Math.min(cw - 1, (x + 0.5) * cw / w - 0.5));
					int x0 = (int) fx, x1 = Math.min(x0 + 1, cw - 1);
					double tx = fx - x0;
					int o = y * w + x;
					v.visit(o, (oy + y0) * w + ox + x0, (1 - ty) * (1 - tx));
					v.visit(o, (oy + y0) * w + ox + x1, (1 - ty) * tx);
					v.visit(o, (oy + y1) * w + ox + x0, ty * (1 - tx));
					v.visit(o, (oy + y1) * w + ox + x1, ty * tx);
				}
			}
		}

		float[] apply(float[] img) {
			float[] out = new float[h * w * c];
			each((o, s, wt) -> {
				for (int k = 0; k < c; k++) out[o * c + k] += (float) (wt * img[s * c + k]);
			});
			return out;
		}

		double[] adjoint(float[] g) {
			double[] out = new double[h * w * c];
			each((o, s, wt) -> {
				for (int k = 0; k < c; k++) out[s * c + k] += wt * g[o * c + k];
			});
			return out;
		}
	}
}
