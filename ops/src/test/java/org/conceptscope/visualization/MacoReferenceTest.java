package org.conceptscope.visualization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.conceptscope.metrics.IhcPatches;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.InputValueRange;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/** MACO with the reference's recipe (issue 19): crops, box schedule, noise, standardisation, sigmoid, magnitude. */
class MacoReferenceTest {

	@Test
	void boxSizeFallsLinearlyFromHalfToFivePercent() {
		assertEquals(0.5, MacoReference.boxSize(0, 256), 1e-12);
		assertEquals(0.05, MacoReference.boxSize(255, 256), 1e-12);
		assertEquals(0.5 - 0.45 * 100 / 255.0, MacoReference.boxSize(100, 256), 1e-12);
	}

	/** The automatic canvas is Xplique's 512 for 224 pixels; past the bound it is refused in one sentence, as a canvas set by hand is. */
	@Test
	void theAutomaticCanvasIsBoundedAsAGivenOne() {
		org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] { 512, 512 }, MacoReference.canvas(new long[] { 1, 224, 224, 3 }, 0));
		IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> MacoReference.canvas(new long[] { 1, 1000, 1000, 3 }, 0));
		assertEquals("MACO's automatic canvas for a 1000 x 1000 input would be 2286 x 2286, more than 2048 a side: set canvas= between the"
			+ " input's side and 2048.", e.getMessage());
		org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] { 2048, 2048 }, MacoReference.canvas(new long[] { 1, 1000, 1000, 3 }, 2048));
		assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> MacoReference.canvas(new long[] { 1, 1000, 1000, 3 }, 2049)).getMessage().startsWith("MACO: canvas=2049 is more than 2048"));
	}

	static MacoReference.Reference smallReference(int h, int w, int c, long seed) {
		Random r = new Random(seed);
		FloatTensor refs = FloatTensor.zeros(3, h, w, c);
		for (int i = 0; i < refs.size(); i++) refs.data()[i] = (float) (0.2 + r.nextDouble());
		return MacoReference.reference(refs, h, w);
	}

	/**
	 * As Xplique's init_maco_buffer, the references' half spectrum is taken at their own size and
	 * resized to the canvas's, so a texture keeps its cycles per pixel: references of 16 pixels with
	 * a cosine of 4 cycles (0.25 per pixel) give a 32-pixel canvas its peak at 8 cycles (0.25 per
	 * pixel), not at 4 as the references stretched to the canvas did. The whole canvas spectrum is
	 * the references' |DFT| (128 A at (0, 4), 0 elsewhere) resized by the half-pixel bilinear rule
	 * written out here, the other half mirrored.
	 */
	@Test
	void theCanvasSpectrumKeepsTheReferencesCyclesPerPixel() {
		double a = 0.3;
		FloatTensor refs = FloatTensor.zeros(2, 16, 16, 1);
		for (int i = 0; i < 2; i++) for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) {
			refs.data()[(i * 16 + y) * 16 + x] = (float) (a * Math.cos(2 * Math.PI * 4 * x / 16 + i));
		}
		double[] mag = MacoReference.reference(refs, 32, 32).magnitude()[0];
		for (int ky = 0; ky < 32; ky++) {
			for (int kx = 0; kx < 32; kx++) {
				int sy = kx < 17 ? ky : (32 - ky) % 32, sx = kx < 17 ? kx : 32 - kx;
				double want = weight(sy, 0, 16, 32) * weight(sx, 4, 9, 17) * 128 * a;
				assertEquals(want, mag[ky * 32 + kx], 1e-4, "frequency (" + ky + ", " + kx + ")");
			}
		}
		int peak = 1;
		for (int kx = 1; kx < 32; kx++) if (mag[kx] > mag[peak]) peak = kx;
		assertEquals(8, peak, "the cosine's 0.25 cycles per pixel: 8 of the canvas's 32");
		assertEquals(128 * a, mag[8], 1e-4);
		assertEquals(0.4706 * 128 * a, mag[7], 1e-3, "its neighbours by the bilinear resize");
		assertEquals(0, mag[4], 1e-4, "nothing at half the references' frequency");
	}

	/**
	 * References with a mean (images in [0, 1]) give the canvas the spectrum of the same references
	 * without it: their DC, H W times the mean, does not leak into the canvas's lowest frequencies
	 * (a 224-pixel reference's DC put 0.84 of itself at the 512 canvas's frequency 1), and the canvas's
	 * own DC is 0.
	 */
	@Test
	void theReferencesMeanStaysOutOfTheCanvasSpectrum() {
		Random r = new Random(8);
		FloatTensor centred = FloatTensor.zeros(3, 12, 12, 2), shifted = FloatTensor.zeros(3, 12, 12, 2);
		for (int i = 0; i < centred.size(); i++) {
			centred.data()[i] = (float) (r.nextGaussian() * 0.1);
			shifted.data()[i] = centred.data()[i] + 0.5f;
		}
		double[][] a = MacoReference.reference(centred, 28, 28).magnitude(), b = MacoReference.reference(shifted, 28, 28).magnitude();
		for (int ch = 0; ch < 2; ch++) {
			assertEquals(0, a[ch][0]);
			assertEquals(0, b[ch][0]);
			for (int p = 1; p < 28 * 28; p++) assertEquals(a[ch][p], b[ch][p], 1e-4 * (1 + Math.abs(a[ch][p])), "channel " + ch + ", frequency " + p);
		}
	}

	/** The weight of input row {@code in} (of n) in output row {@code out} (of m) of a bilinear resize with half-pixel centres. */
	static double weight(int out, int in, int n, int m) {
		double f = Math.max(0, Math.min(n - 1, (out + 0.5) * n / m - 0.5));
		return Math.max(0, 1 - Math.abs(f - in));
	}

	/**
	 * The reference spectrum (either recipe's) reports each image and stops when asked; constant
	 * references are refused before the first transform, as NaN values are.
	 */
	@Test
	void theReferenceSpectrumReportsCancelsAndRefusesConstantImagesFirst() {
		Random r = new Random(3);
		FloatTensor refs = FloatTensor.zeros(5, 8, 8, 1);
		for (int i = 0; i < refs.size(); i++) refs.data()[i] = r.nextFloat();
		for (java.util.function.Function<Progress, Object> spectrum : List.<java.util.function.Function<Progress, Object>>of(
			p -> MacoReference.reference(refs, 16, 16, p), p -> Maco.magnitude(refs, p))) {
			List<String> reports = new ArrayList<>();
			spectrum.apply((done, total, message) -> reports.add(done + "/" + total + " " + message));
			assertEquals(List.of("1/5 MACO reference spectrum: image 1 of 5", "2/5 MACO reference spectrum: image 2 of 5",
				"3/5 MACO reference spectrum: image 3 of 5", "4/5 MACO reference spectrum: image 4 of 5", "5/5 MACO reference spectrum: image 5 of 5"),
				reports);
			List<Long> calls = new ArrayList<>();
			java.util.concurrent.CancellationException stop = org.junit.jupiter.api.Assertions.assertThrows(
				java.util.concurrent.CancellationException.class, () -> spectrum.apply((done, total, message) -> calls.add(done) && done < 2));
			assertEquals(List.of(1L, 2L), calls, "stopped at the image it was cancelled on");
			assertEquals("MACO cancelled at reference image 2 of 5.", stop.getMessage());
		}
		FloatTensor constant = FloatTensor.zeros(5, 8, 8, 1);
		java.util.Arrays.fill(constant.data(), 0.25f);
		FloatTensor nan = FloatTensor.zeros(5, 8, 8, 1);
		nan.data()[7] = Float.NaN;
		Progress never = (done, total, message) -> {
			throw new AssertionError("refused only after a transform");
		};
		for (java.util.function.Function<FloatTensor, Object> spectrum : List.<java.util.function.Function<FloatTensor, Object>>of(
			x -> MacoReference.reference(x, 16, 16, never), x -> Maco.magnitude(x, never))) {
			assertEquals("The reference images are constant (every value 0.25 after the model's normalisation): MACO keeps their spectrum"
				+ " and value range, so give images whose values vary.",
				org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> spectrum.apply(constant)).getMessage());
			assertEquals("The reference images hold NaN (not a number) values: MACO needs finite values, so fill or remove them first.",
				org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> spectrum.apply(nan)).getMessage());
		}
	}

	/**
	 * The canvas's value range is the references' 0.1st to 99.9th percentile, not their minimum and maximum: one outlier
	 * pixel (50 among 4096 values in [0.2, 0.8], a hot pixel) leaves it where the clean images put it, where min-max
	 * stretched it to [0.2, 50] and squashed the visualisation into the middle of that (about 25, far above every real
	 * value). Known answers: the values 0..1000 give [1, 999] (ranks 1 and 999 of 1001); a sampled measurement (every k-th
	 * pixel, all its channels) gives the same on every k-th value; more than 99.8 % of one value falls back to min-max.
	 */
	@Test
	void oneOutlierPixelDoesNotStretchTheValueRange() {
		Random r = new Random(3);
		FloatTensor clean = FloatTensor.zeros(4, 32, 32, 1);
		for (int i = 0; i < clean.size(); i++) clean.data()[i] = (float) (0.2 + 0.6 * r.nextDouble());
		FloatTensor hot = new FloatTensor(clean.shape(), clean.data().clone());
		hot.data()[1234] = 50;
		MacoReference.Reference a = MacoReference.reference(clean, 40, 40), b = MacoReference.reference(hot, 40, 40);
		assertEquals(a.range().lo(), b.range().lo(), 1e-6);
		assertEquals(a.range().hi(), b.range().hi(), 0.002, "one outlier moves the top by less than one value's rank");
		assertTrue(b.range().hi() < 0.8 && b.range().lo() > 0.2 && b.range().hi() - b.range().lo() > 0.59,
			"the clean values' range, up to the 0.1 % at each end");
		assertEquals(MacoReference.PERCENTILE_SOURCE, b.range().source());
		double[] x = new MacoReference.Canvas(b).forward(randomPhases(b, 4));
		for (double v : x) assertTrue(v > 0.2 && v < 0.8, "the visualisation stays among the images' values");

		FloatTensor ramp = FloatTensor.zeros(1, 7, 143, 1);
		for (int i = 0; i < 1001; i++) ramp.data()[(i * 389) % 1001] = i; // 0..1000 in a shuffled order
		assertArrayEquals(new double[] { 1, 999 }, MacoReference.valuesRange(ramp), 1e-9);
		FloatTensor rgb = FloatTensor.zeros(1, 1, 1001, 3);
		for (int i = 0; i < 3003; i++) rgb.data()[i] = i;
		// every 3rd pixel: values 9j, 9j+1, 9j+2 for j in 0..333, i.e. 1002 values 0..3000 (0.1 % and 99.9 % linear between ranks)
		float[] sampled = new float[1002];
		for (int j = 0; j < 334; j++) for (int q = 0; q < 3; q++) sampled[3 * j + q] = 9 * j + q;
		assertArrayEquals(new double[] { MacoReference.percentile(sampled, 0.1), MacoReference.percentile(sampled, 99.9) },
			MacoReference.valuesRange(rgb, 1100), 1e-9);
		assertEquals(1.001, MacoReference.percentile(sampled, 0.1), 1e-9, "rank 1.001 of 0, 1, 2, 9, ...");
		FloatTensor sparse = FloatTensor.zeros(1, 64, 64, 1);
		sparse.data()[5] = 1;
		sparse.data()[9] = -2;
		assertArrayEquals(new double[] { -2, 1 }, MacoReference.valuesRange(sparse), 0);
	}

	/** A declared range (Xplique's values_range) replaces the measured one; a wrong one is refused in one sentence. */
	@Test
	void aDeclaredRangeReplacesTheImagesRange() {
		MacoReference.Reference ref = smallReference(6, 8, 3, 1).withRange(new InputValueRange(-1, 1, "declared"));
		assertEquals(new InputValueRange(-1, 1, "declared"), ref.range());
		assertTrue(ref.colours() != null, "the colours are kept");
		double[] x = new MacoReference.Canvas(ref).forward(randomPhases(ref, 5));
		double min = 1, max = -1;
		for (double v : x) {
			min = Math.min(min, v);
			max = Math.max(max, v);
		}
		assertTrue(min > -1 && max < 1 && max - min > 0.5, "sigmoid into (-1, 1), spread over it: " + min + " .. " + max);
		assertEquals("MACO's value range must be two finite numbers, the smaller first, got 1.0 and 0.0.",
			org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ref.withRange(new InputValueRange(1, 0, "declared"))).getMessage());
	}

	/**
	 * Ranges per channel (a bioimage.io package's ranges that differ between channels): each channel of the canvas lies in its
	 * own range and spreads over it, and the backward pass matches finite differences; the envelope is the canvas's lo and hi.
	 */
	@Test
	void rangesPerChannelPutEachChannelInItsOwnRange() {
		double[] lo = { 0, -2, 10 }, hi = { 255, 2, 11 };
		MacoReference.Reference ref = smallReference(5, 6, 3, 7).withRange(InputValueRange.perChannel(lo, hi, "declared"));
		assertEquals(-2, ref.range().lo());
		assertEquals(255, ref.range().hi());
		MacoReference.Canvas canvas = new MacoReference.Canvas(ref);
		double[][] phase = randomPhases(ref, 9);
		double[] x = canvas.forward(phase);
		for (int ch = 0; ch < 3; ch++) {
			double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
			for (int p = ch; p < x.length; p += 3) {
				min = Math.min(min, x[p]);
				max = Math.max(max, x[p]);
			}
			assertTrue(min > lo[ch] && max < hi[ch] && max - min > 0.3 * (hi[ch] - lo[ch]), "channel " + ch + ": " + min + " .. " + max);
		}
		Random r = new Random(8);
		double[] g = new double[90];
		for (int i = 0; i < 90; i++) g[i] = r.nextGaussian();
		assertTrue(gradientMatchesFiniteDifferences(canvas, phase, g) > 30);
		assertEquals("MACO's value range of channel 2 must be two finite numbers, the smaller first, got 1.0 and 1.0.",
			org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
				() -> ref.withRange(InputValueRange.perChannel(new double[] { 0, 1, 0 }, new double[] { 1, 1, 1 }, "declared"))).getMessage());
		assertEquals("MACO needs one value range per channel (3), got 2.", org.junit.jupiter.api.Assertions.assertThrows(
			IllegalArgumentException.class, () -> ref.withRange(InputValueRange.perChannel(new double[] { 0, 1 }, new double[] { 1, 2 }, "declared")))
			.getMessage());
	}

	/**
	 * A canvas with no value range, or a per-channel range whose lower and upper ends differ in number (the public constructor
	 * takes them apart), is refused in one sentence where it is made; before, the first was a NullPointerException and the
	 * second an ArrayIndexOutOfBoundsException once the canvas ran.
	 */
	@Test
	void aMissingOrLopsidedRangeIsRefusedWhereItIsMade() {
		MacoReference.Reference ref = smallReference(5, 6, 3, 7);
		assertEquals("MACO needs a value range to squash the canvas into, got none.", org.junit.jupiter.api.Assertions.assertThrows(
			IllegalArgumentException.class, () -> ref.withRange(null)).getMessage());
		assertEquals("MACO's canvas needs its spectrum and its value range.", org.junit.jupiter.api.Assertions.assertThrows(
			IllegalArgumentException.class, () -> new MacoReference.Reference(5, 6, ref.magnitude(), null, null)).getMessage());
		assertEquals("A range per channel needs one lower and one upper end for each channel, got 3 lower and 2 upper ends.",
			org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new InputValueRange(0, 2, "declared",
				new double[] { 0, 0, 0 }, new double[] { 1, 2 })).getMessage());
		assertEquals("A range per channel needs one lower and one upper end for each channel, got 3 lower and no upper ends.",
			org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new InputValueRange(0, 2, "declared",
				new double[] { 0, 0, 0 }, null)).getMessage());
	}

	static double[][] randomPhases(MacoReference.Reference ref, long seed) {
		Random r = new Random(seed);
		double[][] phase = new double[ref.magnitude().length][ref.height() * ref.width()];
		for (double[] p : phase) for (int i = 0; i < p.length; i++) p[i] = r.nextGaussian();
		return phase;
	}

	/** The canvas is sigmoid(standardised image) in the references' range, with the references' spectrum shape. */
	@Test
	void canvasIsAStandardisedSigmoidImageWithTheGivenSpectrum() {
		MacoReference.Reference ref = smallReference(6, 8, 2, 1);
		MacoReference.Canvas canvas = new MacoReference.Canvas(ref);
		Random r = new Random(2);
		double[][] phase = new double[2][48];
		for (double[] p : phase) for (int i = 0; i < 48; i++) p[i] = 3 * r.nextGaussian();
		double[] x = canvas.forward(phase);
		double mean = 0, sq = 0;
		double[] z = new double[x.length];
		for (int i = 0; i < x.length; i++) {
			assertTrue(x[i] > ref.range().lo() && x[i] < ref.range().hi(), "inside the references' range");
			double s = (x[i] - ref.range().lo()) / (ref.range().hi() - ref.range().lo());
			z[i] = Math.log(s / (1 - s));
			mean += z[i] / x.length;
		}
		for (double v : z) sq += (v - mean) * (v - mean) / x.length;
		assertEquals(0, mean, 1e-6, "standardised: mean 0");
		assertEquals(1, Math.sqrt(sq), 1e-3, "standardised: standard deviation 1");
		// |DFT(z)| is the magnitude over the image's standard deviation: one ratio for every frequency
		for (int ch = 0; ch < 2; ch++) {
			double[] re = new double[48], im = new double[48];
			for (int p = 0; p < 48; p++) re[p] = z[p * 2 + ch];
			new Dft2d(6, 8).transform(re, im, -1);
			double ratio = Double.NaN;
			for (int p = 1; p < 48; p++) {
				double m = ref.magnitude()[ch][p];
				if (m < 1e-9) continue;
				double got = Math.hypot(re[p], im[p]) / m;
				if (Double.isNaN(ratio)) ratio = got;
				assertEquals(ratio, got, 1e-6 * ratio, "channel " + ch + " frequency " + p);
			}
		}
	}

	/** The backward pass through sigmoid, both standardisations and the inverse transform against finite differences. */
	@Test
	void canvasGradientMatchesFiniteDifferences() {
		MacoReference.Reference ref = smallReference(5, 6, 2, 3);
		MacoReference.Canvas canvas = new MacoReference.Canvas(ref);
		Random r = new Random(4);
		double[][] phase = new double[2][30];
		for (double[] p : phase) for (int i = 0; i < 30; i++) p[i] = r.nextGaussian();
		double[] g = new double[60];
		for (int i = 0; i < 60; i++) g[i] = r.nextGaussian();
		canvas.forward(phase);
		double[][] grad = canvas.backward(g);
		int checked = 0;
		for (int ch = 0; ch < 2; ch++) {
			for (int p = 0; p < 30; p++) {
				if (!canvas.spectra[ch].isFree(p)) {
					assertEquals(0, grad[ch][p], 0);
					continue;
				}
				double e = 1e-6, up, down;
				phase[ch][p] += e;
				up = dot(g, canvas.forward(phase));
				phase[ch][p] -= 2 * e;
				down = dot(g, canvas.forward(phase));
				phase[ch][p] += e;
				assertEquals((up - down) / (2 * e), grad[ch][p], 1e-5 * (1 + Math.abs(grad[ch][p])), "phase " + ch + "/" + p);
				checked++;
			}
		}
		assertTrue(checked > 20);
	}

	/**
	 * Without references the magnitude is 1/|f| with f the frequency in cycles per pixel along each
	 * axis (the nearer of k and its alias), DC 0: on 8 x 6, (0, 1) is 6, (1, 0) 8, (3, 0) 8/3,
	 * (7, 5) 1/hypot(1/8, 1/6) = 4.8 and the corner (4, 3) 1/hypot(1/2, 1/2) = sqrt(2), the same for
	 * every channel and for conjugate frequencies; the range is the one given.
	 */
	@Test
	void naturalSpectrumIsOneOverFrequency() {
		MacoReference.Reference ref = MacoReference.naturalSpectrum(8, 6, 2, -1, 3);
		assertEquals(-1, ref.range().lo());
		assertEquals(3, ref.range().hi());
		for (double[] m : ref.magnitude()) {
			assertEquals(0, m[0], 0, "DC");
			assertEquals(6, m[1], 1e-12);
			assertEquals(8, m[6], 1e-12);
			assertEquals(8 / 3.0, m[3 * 6], 1e-12);
			assertEquals(4.8, m[7 * 6 + 5], 1e-12);
			assertEquals(Math.sqrt(2), m[4 * 6 + 3], 1e-12);
			for (int ky = 0; ky < 8; ky++) for (int kx = 0; kx < 6; kx++) {
				assertEquals(m[ky * 6 + kx], m[((8 - ky) % 8) * 6 + (6 - kx) % 6], 0, "conjugate of (" + ky + ", " + kx + ")");
			}
		}
		assertArrayEquals(ref.magnitude()[0], ref.magnitude()[1], 0);
	}

	/** Xplique's ImageNet colour matrix follows from Lucid's square root of ImageNet's colour covariance. */
	@Test
	void imageNetColoursAreXpliquesMatrix() {
		double[][] xplique = { { 0.56282854, 0.58447580, 0.58447580 }, { 0.19482528, 0.00000000, -0.19482528 },
			{ 0.04329450, -0.10823626, 0.06494176 } };
		for (int i = 0; i < 3; i++) assertArrayEquals(xplique[i], MacoReference.IMAGENET_COLOURS[i], 1e-7, "row " + i);
		assertArrayEquals(MacoReference.IMAGENET_COLOURS[0], MacoReference.naturalSpectrum(8, 8, 3, 0, 1).colours()[0], 0,
			"the natural spectrum of an RGB canvas comes with ImageNet's colours");
		assertEquals(null, MacoReference.naturalSpectrum(8, 8, 1, 0, 1).colours(), "one channel: nothing to recolour");
	}

	/**
	 * With reference images, M is measured on them: M^T M is their channel covariance up to one
	 * factor (so uncorrelated standardised channels times M correlate as the images do), computed
	 * here directly from the real IHC patches' pixels.
	 */
	@Test
	void measuredColoursCarryTheImagesChannelCovariance() {
		FloatTensor refs = IhcPatches.load(8);
		double[][] m = MacoReference.reference(refs, 16, 16).colours();
		double[] mean = new double[3];
		float[] d = refs.data();
		int n = d.length / 3;
		for (int i = 0; i < d.length; i++) mean[i % 3] += d[i] / (double) n;
		double[][] cov = new double[3][3];
		for (int p = 0; p < n; p++) for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++) {
			cov[a][b] += (d[p * 3 + a] - mean[a]) * (d[p * 3 + b] - mean[b]) / n;
		}
		double[][] mtm = new double[3][3];
		for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++) for (int k = 0; k < 3; k++) mtm[a][b] += m[k][a] * m[k][b];
		double factor = mtm[0][0] / cov[0][0];
		for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++) {
			assertEquals(factor * cov[a][b], mtm[a][b], 1e-6 * factor * cov[0][0], "M^T M vs the covariance at " + a + "," + b);
		}
		double longest = 0;
		for (double[] row : m) longest = Math.max(longest, Math.sqrt(row[0] * row[0] + row[1] * row[1] + row[2] * row[2]));
		assertEquals(1, longest, 1e-9, "scaled as ImageNet's matrix: longest row 1");
		assertTrue(Math.abs(cov[0][1]) / Math.sqrt(cov[0][0] * cov[1][1]) > 0.3, "IHC stains correlate across RGB: the check has something to see");
	}

	/** The recoloured canvas is sigmoid(z M) with z the canvas of the same phases without colours. */
	@Test
	void rgbCanvasIsRecolouredBetweenStandardisationAndSigmoid() {
		MacoReference.Reference ref = smallReference(6, 8, 3, 5);
		assertTrue(ref.colours() != null, "three channels are recoloured by default");
		Random r = new Random(6);
		double[][] phase = new double[3][48];
		for (double[] p : phase) for (int i = 0; i < 48; i++) p[i] = r.nextGaussian();
		double[] plain = new MacoReference.Canvas(ref.withColours(null)).forward(phase);
		double[] coloured = new MacoReference.Canvas(ref).forward(phase);
		double[][] m = ref.colours();
		for (int p = 0; p < 48; p++) {
			for (int j = 0; j < 3; j++) {
				double want = 0;
				for (int i = 0; i < 3; i++) want += logit(plain[p * 3 + i], ref) * m[i][j];
				assertEquals(want, logit(coloured[p * 3 + j], ref), 1e-6, "pixel " + p + " channel " + j);
			}
		}
	}

	static double logit(double x, MacoReference.Reference ref) {
		double s = (x - ref.range().lo()) / (ref.range().hi() - ref.range().lo());
		return Math.log(s / (1 - s));
	}

	/** The backward pass through the colour matrix too, against finite differences. */
	@Test
	void recolouredCanvasGradientMatchesFiniteDifferences() {
		MacoReference.Reference ref = smallReference(5, 6, 3, 7);
		MacoReference.Canvas canvas = new MacoReference.Canvas(ref);
		Random r = new Random(8);
		double[][] phase = new double[3][30];
		for (double[] p : phase) for (int i = 0; i < 30; i++) p[i] = r.nextGaussian();
		double[] g = new double[90];
		for (int i = 0; i < 90; i++) g[i] = r.nextGaussian();
		assertTrue(gradientMatchesFiniteDifferences(canvas, phase, g) > 30);
	}

	/** Checks the canvas's backward pass of {@code g} against central differences at every free phase; returns how many it checked. */
	static int gradientMatchesFiniteDifferences(MacoReference.Canvas canvas, double[][] phase, double[] g) {
		canvas.forward(phase);
		double[][] grad = canvas.backward(g);
		int checked = 0;
		for (int ch = 0; ch < phase.length; ch++) {
			for (int p = 0; p < phase[ch].length; p++) {
				if (!canvas.spectra[ch].isFree(p)) continue;
				double e = 1e-6;
				phase[ch][p] += e;
				double up = dot(g, canvas.forward(phase));
				phase[ch][p] -= 2 * e;
				double down = dot(g, canvas.forward(phase));
				phase[ch][p] += e;
				assertEquals((up - down) / (2 * e), grad[ch][p], 1e-5 * (1 + Math.abs(grad[ch][p])), "phase " + ch + "/" + p);
				checked++;
			}
		}
		return checked;
	}

	static double dot(double[] a, double[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++) s += a[i] * b[i];
		return s;
	}

	/** Every step scores 32 crops of the model's size, with noise of standard deviation 0.08 (+ uniform of width 0.08). */
	@Test
	void everyStepScoresThirtyTwoNoisyCrops() {
		List<Integer> batches = new ArrayList<>();
		List<Float> inside = new ArrayList<>();
		Maco.Objective recording = new Maco.Objective() {
			@Override
			public long[] inputShape() {
				return new long[] { -1, 8, 8, 1 };
			}

			@Override
			public double score(FloatTensor image) {
				return 0;
			}

			@Override
			public FloatTensor gradient(FloatTensor image) {
				return FloatTensor.zeros(image.shape());
			}

			@Override
			public double[] scores(FloatTensor batch) {
				batches.add((int) batch.dim(0));
				for (float v : batch.data()) if (v > 0.5f) inside.add(v);
				return new double[(int) batch.dim(0)];
			}
		};
		// a flat canvas: zero magnitude, range [0, 2], so every pixel inside the canvas is 1 before the noise
		MacoReference.Reference flat = new MacoReference.Reference(16, 16, new double[1][256], new InputValueRange(0, 2, "flat"), null);
		new MacoReference(5, 1.0, 7).visualize(recording, flat, Progress.NONE);
		assertEquals(List.of(32, 32, 32, 32, 32), batches);
		double s = 0;
		for (float v : inside) s += (v - 1) * (v - 1);
		double std = Math.sqrt(s / inside.size());
		assertEquals(Math.sqrt(0.08 * 0.08 + 0.08 * 0.08 / 12), std, 0.004, "noise over " + inside.size() + " values");
	}

	/**
	 * Many crops are scored in batches of at most BATCH_VALUES values (crops x input values in one
	 * array overflowed an int for large counts): 100000 crops of a 224 x 224 x 3 input go 111 at a
	 * time, the default 32 in one batch; and batching changes nothing: 12 crops in batches of 5, 5
	 * and 2 give the image, transparency and scores of one batch of 12.
	 */
	@Test
	void manyCropsAreScoredInBatchesWithTheSameResult() {
		assertEquals(111, MacoReference.cropsPerBatch(100_000, 224 * 224 * 3, MacoReference.BATCH_VALUES));
		assertTrue(111L * 224 * 224 * 3 <= MacoReference.BATCH_VALUES);
		assertEquals(32, MacoReference.cropsPerBatch(32, 224 * 224 * 3, MacoReference.BATCH_VALUES));
		assertEquals(1, MacoReference.cropsPerBatch(32, 3L << 24, MacoReference.BATCH_VALUES), "one crop larger than a batch: one at a time");
		List<Integer> batches = new ArrayList<>();
		Maco.Objective linear = new Maco.Objective() {
			@Override
			public long[] inputShape() {
				return new long[] { -1, 8, 8, 1 };
			}

			@Override
			public double score(FloatTensor image) {
				double s = 0;
				for (int i = 0; i < 64; i++) s += Math.sin(i) * image.data()[i];
				return s;
			}

			@Override
			public FloatTensor gradient(FloatTensor image) {
				float[] g = new float[64];
				for (int i = 0; i < 64; i++) g[i] = (float) Math.sin(i);
				return new FloatTensor(new long[] { 1, 8, 8, 1 }, g);
			}

			@Override
			public double[] scores(FloatTensor batch) {
				batches.add((int) batch.dim(0));
				return Maco.Objective.super.scores(batch);
			}
		};
		MacoReference.Reference ref = smallReference(16, 16, 1, 11);
		MacoReference.Result whole = new MacoReference(2, 1.0, 12, 0.08, 5).visualize(linear, ref, Progress.NONE);
		assertEquals(List.of(12, 12), batches);
		batches.clear();
		MacoReference.Result batched = new MacoReference(2, 1.0, 12, 0.08, 5, 5 * 64).visualize(linear, ref, Progress.NONE);
		assertEquals(List.of(5, 5, 2, 5, 5, 2), batches);
		assertArrayEquals(whole.image().data(), batched.image().data());
		assertArrayEquals(whole.transparency().data(), batched.transparency().data());
		assertArrayEquals(whole.scores(), batched.scores());
		assertTrue(whole.scores()[0] != whole.scores()[1], "the objective moves: the comparison has something to compare");
	}

	/** On the IHC model and real patches, the reference recipe raises the class logit over the steps and is seeded. */
	@Test
	void raisesTheClassLogitOnRealPatches() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			FloatTensor refs = IhcPatches.load(8);
			MacoReference.Reference ref = MacoReference.reference(refs, 64, 64);
			Maco.Objective o = Maco.Objective.classLogit(m, 2);
			MacoReference.Result a = new MacoReference(48, 0.2, 5).visualize(o, ref, Progress.NONE);
			double first = 0, last = 0;
			for (int t = 0; t < 8; t++) {
				first += a.scores()[t] / 8;
				last += a.scores()[40 + t] / 8;
			}
			assertTrue(last > first, "mean crop logit over the first 8 steps " + first + ", the last 8 " + last);
			assertArrayEquals(new long[] { 1, 64, 64, 3 }, a.image().shape(), "the canvas is twice the model's input");
			MacoReference.Result b = new MacoReference(48, 0.2, 5).visualize(o, ref, Progress.NONE);
			assertArrayEquals(a.image().data(), b.image().data(), "same seed, same image");
		}
	}

	/** A reference is a value: equal spectra, colours and ranges (InputValueRangeTest: the range itself) make equal references. */
	@Test
	void referencesAreComparedByValue() {
		InputValueRange range = InputValueRange.perChannel(new double[] { 0, -1 }, new double[] { 1, 2 }, "declared");
		MacoReference.Reference r = new MacoReference.Reference(1, 2, new double[][] { { 0, 1 }, { 0, 2 } }, range, null),
			s = new MacoReference.Reference(1, 2, new double[][] { { 0, 1 }, { 0, 2 } }, InputValueRange.perChannel(new double[] { 0, -1 },
				new double[] { 1, 2 }, "declared"), null);
		assertEquals(r, s);
		assertEquals(r.hashCode(), s.hashCode());
		assertTrue(!r.equals(r.withRange(InputValueRange.perChannel(new double[] { 0, -1 }, new double[] { 1, 3 }, "declared"))));
		assertTrue(!r.equals(r.withColours(new double[][] { { 1, 0 }, { 0, 1 } })));
		assertTrue(!r.equals(new MacoReference.Reference(1, 2, new double[][] { { 0, 1 }, { 0, 3 } }, range, null)));
	}
}
