package org.conceptscope.visualization;

import java.util.Random;
import java.util.concurrent.CancellationException;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
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
 * <p>
 * The spectrum is Hermitian by construction ({@link Spectrum}), as for Xplique's irfft2d over the
 * half spectrum: the phase of frequency -k is minus that of k, and the self-conjugate frequencies
 * (DC, and the Nyquist row/column of an even size) have phase 0 or pi. So the image is the real
 * inverse transform of M e^{i phi} and |DFT(image)| = M at every frequency: taking the real part
 * of a transform with independent phases would instead give M_k |cos((phi_k + phi_-k) / 2)| and
 * let the optimiser cancel frequencies. The DC term keeps its sign: the image has the references'
 * mean, negative ones included (CT in HU / 1000, affine offsets).
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
		Limits.passes("MACO", "steps", steps);
		this.steps = steps;
		this.learningRate = learningRate;
		this.minCrop = minCrop;
		this.seed = seed;
	}

	/** {@link #magnitude(FloatTensor, Progress)} without progress. */
	public static double[][] magnitude(FloatTensor images) {
		return magnitude(images, Progress.NONE);
	}

	/**
	 * Mean magnitude spectrum [C][H*W] of normalised reference images [N, H, W, C]. Entry 0 of each
	 * channel (DC) is signed: the sum of the mean image's values, whose sign the visualisation keeps.
	 * Reports each image to {@code progress}.
	 *
	 * @throws IllegalArgumentException before any transform when the images are constant (no spectrum but DC to keep)
	 * @throws CancellationException when {@code progress} returns false
	 */
	public static double[][] magnitude(FloatTensor images, Progress progress) {
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		MacoReference.range(images);
		Dft2d dft = new Dft2d(h, w);
		double[][] mag = new double[c][h * w];
		for (int i = 0; i < n; i++) {
			for (int ch = 0; ch < c; ch++) {
				double[] re = new double[h * w], im = new double[h * w];
				for (int p = 0; p < h * w; p++) re[p] = images.data()[(i * h * w + p) * c + ch];
				dft.transform(re, im, -1);
				mag[ch][0] += re[0] / n; // the DC term of a real image is real: its mean keeps the sign
				for (int p = 1; p < h * w; p++) mag[ch][p] += Math.hypot(re[p], im[p]) / n;
			}
			if (!progress.report(i + 1, n, "MACO reference spectrum: image " + (i + 1) + " of " + n)) {
				throw new CancellationException("MACO cancelled at reference image " + (i + 1) + " of " + n + ".");
			}
		}
		return mag;
	}

	/**
	 * The Hermitian parametrisation of one channel: a magnitude per frequency (symmetrised over
	 * conjugate pairs; DC signed) and a phase per frequency of which only one per conjugate pair is
	 * free. Frequencies are row-major indices p = ky * W + kx; the conjugate of (ky, kx) is
	 * (-ky mod H, -kx mod W).
	 */
	static final class Spectrum {
		final int h, w;
		private final Dft2d dft;
		private final double[] mag;
		private final int[] conj;
		private final boolean negativeDc;

		/** @param magnitude one channel of {@link Maco#magnitude}: entry 0 (DC) signed */
		Spectrum(int h, int w, double[] magnitude) {
			this.h = h;
			this.w = w;
			dft = new Dft2d(h, w);
			conj = new int[h * w];
			mag = new double[h * w];
			negativeDc = magnitude[0] < 0;
			for (int p = 0; p < h * w; p++) conj[p] = ((h - p / w) % h) * w + (w - p % w) % w;
			// |X(k)| = |X(-k)| for every real image; averaging removes rounding differences only
			for (int p = 0; p < h * w; p++) mag[p] = (Math.abs(magnitude[p]) + Math.abs(magnitude[conj[p]])) / 2;
		}

		/** Whether phase p is a free parameter: the first of a conjugate pair (self-conjugate ones are fixed). */
		boolean isFree(int p) {
			return p < conj[p];
		}

		/** Random free phases in (-pi, pi], the conjugates mirrored; DC 0 or pi by the mean's sign, Nyquist ones 0 or pi at random. */
		double[] initialPhase(java.util.Random rnd) {
			double[] phase = new double[h * w];
			for (int p = 0; p < h * w; p++) {
				if (isFree(p)) phase[p] = (rnd.nextDouble() * 2 - 1) * Math.PI;
				else if (p == conj[p]) phase[p] = p == 0 ? (negativeDc ? Math.PI : 0) : (rnd.nextBoolean() ? Math.PI : 0);
			}
			enforce(phase);
			return phase;
		}

		/** Mirrors every free phase onto its conjugate: phi(-k) = -phi(k). */
		void enforce(double[] phase) {
			for (int p = 0; p < h * w; p++) if (isFree(p)) phase[conj[p]] = -phase[p];
		}

		/** The real image (1/(HW)) sum_k M_k e^{i phi_k} e^{2 pi i k.n / N}; its imaginary part is zero up to rounding. */
		double[] image(double[] phase) {
			double[] re = new double[h * w], im = new double[h * w];
			for (int p = 0; p < h * w; p++) {
				re[p] = mag[p] * Math.cos(phase[p]);
				im[p] = mag[p] * Math.sin(phase[p]);
			}
			dft.transform(re, im, +1);
			for (int p = 0; p < h * w; p++) re[p] /= h * w;
			return re;
		}

		/**
		 * dL/dphi for the free phases from the image gradient g = dL/dx (0 for tied and fixed phases).
		 * phi_k moves Z_k and Z_-k = conj(Z_k) together, so the two conjugates' terms add:
		 * dL/dphi_k = -2 Im(Z_k G_k) / (HW), with G the inverse DFT (without 1/(HW)) of g.
		 */
		double[] gradient(double[] phase, double[] g) {
			double[] gr = g.clone(), gi = new double[h * w];
			dft.transform(gr, gi, +1);
			double[] out = new double[h * w];
			for (int p = 0; p < h * w; p++) {
				if (!isFree(p)) continue;
				double zr = mag[p] * Math.cos(phase[p]), zi = mag[p] * Math.sin(phase[p]);
				out[p] = -2 * (zr * gi[p] + zi * gr[p]) / (h * w);
			}
			return out;
		}
	}

	/** What MACO raises: a score of one input [1, H, W, C] of a model with a fixed input size, and its input gradient. */
	public interface Objective {

		/** The model's input shape [N, H, W, C] (N may be -1). */
		long[] inputShape();

		double score(FloatTensor image);

		/** d score / d image, shape [1, H, W, C]. */
		FloatTensor gradient(FloatTensor image);

		/** The score of every image of a batch [N, H, W, C] (one at a time unless overridden). */
		default double[] scores(FloatTensor batch) {
			double[] s = new double[(int) batch.dim(0)];
			for (int i = 0; i < s.length; i++) s[i] = score(batch.slice(i));
			return s;
		}

		/** d score / d image for every image of a batch, shape [N, H, W, C]. */
		default FloatTensor gradients(FloatTensor batch) {
			int n = (int) batch.dim(0), per = batch.stride0();
			float[] out = new float[n * per];
			for (int i = 0; i < n; i++) System.arraycopy(gradient(batch.slice(i)).data(), 0, out, i * per, per);
			return new FloatTensor(batch.shape(), out);
		}

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

				@Override
				public double[] scores(FloatTensor batch) {
					FloatTensor l = classifier.logits(batch);
					double[] s = new double[(int) batch.dim(0)];
					for (int i = 0; i < s.length; i++) s[i] = l.get(i, target);
					return s;
				}

				@Override
				public FloatTensor gradients(FloatTensor batch) {
					int[] t = new int[(int) batch.dim(0)];
					java.util.Arrays.fill(t, target);
					return classifier.inputGradient(batch, FloatTensor.oneHot(t, classifier.numClasses()));
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
		Spectrum[] spectra = new Spectrum[c];
		double[][] phase = new double[c][];
		for (int ch = 0; ch < c; ch++) {
			spectra[ch] = new Spectrum(h, w, magnitude[ch]);
			phase[ch] = spectra[ch].initialPhase(rnd);
		}
		double[][] m1 = new double[c][h * w], m2 = new double[c][h * w];
		double[] transparency = new double[h * w];
		double[] scores = new double[steps];
		float[] x = new float[h * w * c];
		image(spectra, phase, h, w, c, x);
		double startScore = objective.score(new FloatTensor(new long[] { 1, h, w, c }, x.clone()));
		for (int t = 1; t <= steps; t++) {
			image(spectra, phase, h, w, c, x);
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
				double[] gc = new double[h * w];
				for (int p = 0; p < h * w; p++) gc[p] = g[p * c + ch];
				double[] grad = spectra[ch].gradient(phase[ch], gc);
				for (int p = 0; p < h * w; p++) {
					if (!spectra[ch].isFree(p)) continue;
					// gradient ascent with Adam on the free phases only
					m1[ch][p] = 0.9 * m1[ch][p] + 0.1 * grad[p];
					m2[ch][p] = 0.999 * m2[ch][p] + 0.001 * grad[p] * grad[p];
					double mh = m1[ch][p] / (1 - Math.pow(0.9, t)), vh = m2[ch][p] / (1 - Math.pow(0.999, t));
					phase[ch][p] += learningRate * mh / (Math.sqrt(vh) + 1e-8);
				}
				spectra[ch].enforce(phase[ch]);
			}
			if (!progress.report(t, steps, "MACO step " + t)) throw new CancellationException("MACO cancelled at step " + t + ".");
		}
		image(spectra, phase, h, w, c, x);
		double max = 0;
		for (double v : transparency) max = Math.max(max, v);
		float[] alpha = new float[h * w];
		for (int p = 0; p < h * w; p++) alpha[p] = (float) (max > 0 ? transparency[p] / max : 0);
		FloatTensor result = new FloatTensor(new long[] { 1, h, w, c }, x.clone());
		return new Result(result, new FloatTensor(new long[] { 1, h, w }, alpha), scores, startScore, objective.score(result));
	}

	/** x = the real image of each channel's Hermitian spectrum M e^{i phi}. */
	private static void image(Spectrum[] spectra, double[][] phase, int h, int w, int c, float[] x) {
		for (int ch = 0; ch < c; ch++) {
			double[] v = spectra[ch].image(phase[ch]);
			for (int p = 0; p < h * w; p++) x[p * c + ch] = (float) v[p];
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
