package org.conceptscope.model.bioimage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.model.EngineClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bioimage.io postprocessing of a map output (a segmentation network's [batch, channel, y, x])
 * runs per pixel over the output's channel axis, whatever the axes' order: per-channel
 * scale_linear, softmax over the channels and per-channel zero_mean_unit_variance over y and x.
 * The packages are the box-segmentation package (output channel k = 3x3 box mean of input channel
 * k, axes bcyx) with a postprocessing step added to its rdf and its test output recomputed here
 * from that definition; opening runs the package's own test, and {@link BioImageModel#output}
 * must give the same map.
 */
class MapPostprocessingTest {

	static final int SIZE = 32;

	@TempDir
	Path dir;

	/** The box means of input channels 0 and 1 of images [N, H, W, 3], zero padding, [N, H, W, 2]. */
	static FloatTensor boxMeans(FloatTensor x) {
		int n = (int) x.dim(0);
		FloatTensor out = FloatTensor.zeros(n, SIZE, SIZE, 2);
		for (int i = 0; i < n; i++) for (int y = 0; y < SIZE; y++) for (int xx = 0; xx < SIZE; xx++) for (int k = 0; k < 2; k++) {
			double s = 0;
			for (int dy = -1; dy <= 1; dy++) for (int dx = -1; dx <= 1; dx++) {
				int yy = y + dy, xs = xx + dx;
				if (yy >= 0 && yy < SIZE && xs >= 0 && xs < SIZE) s += x.get(i, yy, xs, k);
			}
			out.data()[((i * SIZE + y) * SIZE + xx) * 2 + k] = (float) (s / 9);
		}
		return out;
	}

	/**
	 * The box package with {@code step} as its output's postprocessing; its test output is the box
	 * means of its test input with {@code perImage} applied to each image [H, W, 2].
	 */
	private Path packageWith(String step, UnaryOperator<FloatTensor> perImage) throws IOException {
		Path box = BundledModels.dir("box-segmentation").resolve("package"), pkg = Files.createDirectories(dir.resolve("package"));
		for (String f : new String[] { "weights.pt", "test_input.npy" }) Files.copy(box.resolve(f), pkg.resolve(f));
		FloatTensor x = EngineClassifier.channelsLast(Npy.read(pkg.resolve("test_input.npy")));
		FloatTensor means = boxMeans(x), expected = FloatTensor.zeros(means.shape());
		int per = SIZE * SIZE * 2;
		for (int i = 0; i < x.dim(0); i++) {
			FloatTensor one = new FloatTensor(new long[] { SIZE, SIZE, 2 }, java.util.Arrays.copyOfRange(means.data(), i * per, (i + 1) * per));
			System.arraycopy(perImage.apply(one).data(), 0, expected.data(), i * per, per);
		}
		Npy.write(pkg.resolve("test_output.npy"), EngineClassifier.channelsFirst(expected));
		String rdf = Files.readString(box.resolve("rdf.yaml"), StandardCharsets.UTF_8);
		String outputTest = "    test_tensor: {source: test_output.npy, sha256: ";
		int at = rdf.indexOf(outputTest, rdf.indexOf("outputs:"));
		assertTrue(at > 0, rdf);
		int end = rdf.indexOf('\n', at) + 1;
		rdf = rdf.substring(0, at) + "    test_tensor: {source: test_output.npy, sha256: " + BioImageModel.sha256(pkg.resolve("test_output.npy")) + "}\n"
			+ "    postprocessing:\n" + step + rdf.substring(end);
		Files.writeString(pkg.resolve("rdf.yaml"), rdf, StandardCharsets.UTF_8);
		return pkg;
	}

	/** Opens the package (which runs its test) and checks output() against the definition on other images. */
	private static void check(Path pkg, UnaryOperator<FloatTensor> perImage) {
		try (Classifier opened = Classifiers.open(pkg)) {
			BioImageModel m = assertInstanceOf(BioImageModel.class, Classifiers.dense(opened));
			assertTrue(m.testReport().ran() && m.testReport().passed(), m.testReport().message());
			java.util.Random r = new java.util.Random(11);
			FloatTensor x = FloatTensor.zeros(1, SIZE, SIZE, 3);
			for (int i = 0; i < x.size(); i++) x.data()[i] = 3 * r.nextFloat();
			FloatTensor want = perImage.apply(new FloatTensor(new long[] { SIZE, SIZE, 2 }, boxMeans(x).data()));
			assertArrayEquals(want.data(), m.output(x).data(), 1e-5f);
		}
	}

	@Test
	void perChannelScaleLinearScalesEachChannelOfTheMap() throws IOException {
		UnaryOperator<FloatTensor> scale = t -> {
			FloatTensor o = t.copy();
			for (int i = 0; i < o.size(); i++) o.data()[i] = i % 2 == 0 ? 2 * o.data()[i] + 0.5f : -o.data()[i];
			return o;
		};
		check(packageWith("      - id: scale_linear\n        kwargs: {axis: channel, gain: [2.0, -1.0], offset: [0.5, 0.0]}\n", scale), scale);
	}

	@Test
	void softmaxRunsOverTheChannelsOfEachPixel() throws IOException {
		UnaryOperator<FloatTensor> softmax = t -> {
			FloatTensor o = t.copy();
			for (int p = 0; p < o.size(); p += 2) {
				double e0 = Math.exp(t.data()[p]), e1 = Math.exp(t.data()[p + 1]);
				o.data()[p] = (float) (e0 / (e0 + e1));
				o.data()[p + 1] = (float) (e1 / (e0 + e1));
			}
			return o;
		};
		check(packageWith("      - id: softmax\n        kwargs: {axis: channel}\n", softmax), softmax);
	}

	@Test
	void zeroMeanUnitVarianceOverYAndXIsPerChannel() throws IOException {
		UnaryOperator<FloatTensor> standardize = t -> {
			FloatTensor o = t.copy();
			for (int k = 0; k < 2; k++) {
				double sum = 0, sq = 0;
				int n = SIZE * SIZE;
				for (int p = k; p < o.size(); p += 2) sum += t.data()[p];
				double mean = sum / n;
				for (int p = k; p < o.size(); p += 2) sq += (t.data()[p] - mean) * (t.data()[p] - mean);
				double std = Math.sqrt(sq / n);
				for (int p = k; p < o.size(); p += 2) o.data()[p] = (float) ((t.data()[p] - mean) / std);
			}
			return o;
		};
		check(packageWith("      - id: zero_mean_unit_variance\n        kwargs: {axes: [y, x]}\n", standardize), standardize);
	}

	@Test
	void aSoftmaxOverAnotherAxisIsRefusedInOneSentence() throws IOException {
		Path pkg = packageWith("      - id: softmax\n        kwargs: {axis: x}\n", t -> t);
		org.conceptscope.model.ModelLoadException e = org.junit.jupiter.api.Assertions.assertThrows(org.conceptscope.model.ModelLoadException.class,
			() -> Classifiers.open(pkg).close());
		assertTrue(e.getMessage().endsWith("output 'map' postprocessing 'softmax' runs over the axis 'x'; ConceptScope takes the softmax over the"
			+ " channels."), e.getMessage());
	}
}
