package org.conceptscope.fiji.run;

import org.conceptscope.fiji.write.WritersTest;
import org.conceptscope.fiji.Csv;
import org.conceptscope.fiji.RoiZip;
import org.conceptscope.fiji.TestFiles;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.write.RoiWriter;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;

import java.awt.Point;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo end to end on the bundled model and patches; the expected values are computed
 * independently here (model loaded again, saliency recomputed) and compared with what the
 * files hold after reopening them the way Fiji would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoTest {

	// Static: an instance @TempDir is not yet injected when a PER_CLASS @BeforeAll runs.
	@TempDir
	static Path out;

	private Path testImages;
	private byte[] inputHashBefore;
	private String summary;
	private ImagePlus original;
	private List<String> classes;
	private int[] argmax;
	private FloatTensor maps;
	private int n, w, h;

	@BeforeAll
	void runDemoAndComputeExpectations() throws IOException {
		testImages = TestFiles.testImages();
		Path image = testImages.resolve(Demo.IMAGE);
		inputHashBefore = sha256(image);
		ByteArrayOutputStream log = new ByteArrayOutputStream();
		Demo.run(testImages, out, new PrintStream(log, true, StandardCharsets.UTF_8));
		summary = log.toString(StandardCharsets.UTF_8);

		original = IJ.openImage(image.toString());
		n = original.getStackSize();
		w = original.getWidth();
		h = original.getHeight();
		try (TensorFlowClassifier model = TensorFlowClassifier.load(testImages.resolve(Demo.MODEL))) {
			FloatTensor input = ImagePlusTensors.toTensor(original, model.normalization()).tensor();
			classes = model.classNames();
			argmax = model.logits(input).argmaxRows();
			int[] predicted = new int[n];
			java.util.Arrays.fill(predicted, AttributionMethod.PREDICTED);
			maps = new Saliency().explain(model, input, predicted, Progress.NONE).maps();
		}
	}

	@Test
	void writesExactlyThreeFilesAndNoTemporaries() throws IOException {
		assertEquals(List.of(Demo.ROIS_FILE, Demo.HEATMAP_FILE, Demo.CSV_FILE), TestFiles.names(out));
		assertArrayEquals(inputHashBefore, sha256(testImages.resolve(Demo.IMAGE)), "the bundled image is untouched");
	}

	@Test
	void heatmapReopensAsCompositeWithTheSaliencyMapsAsLastChannel() {
		ImagePlus heat = IJ.openImage(out.resolve(Demo.HEATMAP_FILE).toString());
		assertTrue(heat.isComposite(), "a CompositeImage");
		assertEquals(3 + 1, heat.getNChannels(), "R, G, B + saliency");
		assertEquals(n, heat.getNSlices());
		assertEquals(1, heat.getNFrames());
		int plane = w * h;
		for (int b = 0; b < n; b++) {
			float[] map = (float[]) heat.getStack().getPixels(heat.getStackIndex(4, b + 1, 1));
			float[] expected = java.util.Arrays.copyOfRange(maps.data(), b * plane, (b + 1) * plane);
			for (int i = 0; i < plane; i++) {
				assertEquals(expected[i], map[i], 1e-6 + 1e-4 * Math.abs(expected[i]), "slice " + (b + 1) + " pixel " + i);
			}
			int[] rgb = (int[]) original.getStack().getPixels(b + 1);
			float[] red = (float[]) heat.getStack().getPixels(heat.getStackIndex(1, b + 1, 1));
			float[] blue = (float[]) heat.getStack().getPixels(heat.getStackIndex(3, b + 1, 1));
			for (int i = 0; i < plane; i++) {
				assertEquals((rgb[i] >> 16) & 0xff, red[i], 0);
				assertEquals(rgb[i] & 0xff, blue[i], 0);
			}
		}
		WritersTest.assertFireLut(((CompositeImage) heat).getChannelLut(4));
	}

	@Test
	void roiSetHasOneTopFractionRoiPerSlice() throws IOException {
		List<Roi> rois = RoiZip.read(out.resolve(Demo.ROIS_FILE));
		assertEquals(n, rois.size());
		int plane = w * h, minimum = (int) Math.ceil(RoiWriter.DEFAULT_TOP_FRACTION * plane);
		for (int b = 0; b < n; b++) {
			Roi roi = rois.get(b);
			String target = classes.get(argmax[b]);
			assertEquals("saliency; " + target + "; slice=" + (b + 1), roi.getName());
			assertEquals(b + 1, roi.getZPosition());
			assertEquals(1, roi.getTPosition());
			assertEquals(target, roi.getProperty("target"));

			boolean[] inside = new boolean[plane];
			for (Point p : roi.getContainedPoints()) inside[p.y * w + p.x] = true;
			double sum = 0, minInside = Double.MAX_VALUE, maxOutside = -Double.MAX_VALUE;
			int count = 0;
			for (int i = 0; i < plane; i++) {
				float v = maps.data()[b * plane + i];
				if (inside[i]) {
					sum += v;
					count++;
					minInside = Math.min(minInside, v);
				} else {
					maxOutside = Math.max(maxOutside, v);
				}
			}
			assertTrue(count >= minimum && count < 2 * minimum, count + " pixels in the ROI of slice " + (b + 1));
			assertEquals(Integer.toString(count), roi.getProperty("pixels"));
			assertTrue(minInside >= maxOutside * (1 - 1e-5), "the ROI holds the largest values of slice " + (b + 1));
			assertEquals(sum / count, Double.parseDouble(roi.getProperty("score")), 1e-4 * sum / count);
		}
	}

	@Test
	void csvHasOneRowPerSliceWithTheModelsPredictions() throws IOException {
		List<List<String>> rows = Csv.parse(Files.readString(out.resolve(Demo.CSV_FILE)));
		List<String> header = rows.get(0);
		assertEquals(n + 1, rows.size());
		Map<String, Integer> col = java.util.stream.IntStream.range(0, header.size()).boxed()
			.collect(Collectors.toMap(header::get, i -> i));
		for (int b = 0; b < n; b++) {
			List<String> r = rows.get(b + 1);
			assertEquals(Integer.toString(b + 1), r.get(col.get("slice")));
			assertEquals(original.getStack().getSliceLabel(b + 1), r.get(col.get("label")));
			assertEquals(classes.get(argmax[b]), r.get(col.get("predicted")), "slice " + (b + 1));
			assertEquals(classes.get(argmax[b]), r.get(col.get("target")));
			assertEquals("saliency", r.get(col.get("method")));
			double total = 0, best = -1;
			for (String c : classes) {
				double p = Double.parseDouble(r.get(col.get("p_" + c)));
				total += p;
				best = Math.max(best, p);
			}
			assertEquals(1, total, 1e-4);
			assertEquals(best, Double.parseDouble(r.get(col.get("p_" + classes.get(argmax[b])))), 0);
			float max = -Float.MAX_VALUE;
			for (int i = 0; i < w * h; i++) max = Math.max(max, maps.data()[b * w * h + i]);
			assertEquals(max, Float.parseFloat(r.get(col.get("map_max"))), 1e-4 * max);
		}
	}

	@Test
	void summaryNamesPredictionsAndFiles() {
		assertTrue(summary.contains("slice  1"), summary);
		assertTrue(summary.contains(classes.get(argmax[0])), summary);
		assertTrue(summary.contains(out.resolve(Demo.HEATMAP_FILE).toAbsolutePath().toString()), summary);
		assertTrue(summary.contains(out.resolve(Demo.CSV_FILE).toAbsolutePath().toString()), summary);
	}

	@Test
	void missingInputsAreNamedAndNothingIsWritten(@TempDir Path elsewhere) {
		Path output = elsewhere.resolve("out");
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> Demo.run(elsewhere.resolve("no-test-images"), output, new PrintStream(new ByteArrayOutputStream())));
		assertTrue(e.getMessage().contains("no-test-images"), e.getMessage());
		assertFalse(Files.exists(output));
	}

	private static byte[] sha256(Path file) throws IOException {
		try {
			return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
