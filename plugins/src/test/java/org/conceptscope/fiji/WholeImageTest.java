package org.conceptscope.fiji;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import org.conceptscope.fiji.run.Explainer;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.run.Models;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.ImageRoi;
import ij.gui.Roi;
import ij.gui.TextRoi;
import ij.process.ImageProcessor;
import ij.process.LUT;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.write.HeatOverlay;
import org.conceptscope.fiji.run.AttributionMethods;
import org.conceptscope.fiji.run.AttributionResult;
import org.conceptscope.fiji.run.AttributionRun;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole 512x512 image (scikit-image's ihc.png) explained with the 32x32 IHC stain model, tile by
 * tile, as users run it: the Attribution command from a macro in ImageJ 1.x, and the batch runner.
 * Both give one 512x512 map, the same one; it has no seams (steps across tile borders are no larger
 * than elsewhere, while the same tiles cut without overlap do step there); the class map's
 * probabilities sum to one at every pixel and its label channel is their arg-max.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WholeImageTest {

	@TempDir
	static Path work;

	private final Path ihc = TestFiles.testImages().resolve("images/ihc.png");
	private final Path model = TestFiles.testImages().resolve("models/ihc-stain");
	private Map<String, String> logs;

	@BeforeAll
	void runTheMacro() throws Exception {
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("whole", new Macro("setBatchMode(true);\nopen('" + ihc + "');\nrun('Attribution...', 'model=[" + model
			+ "] method=saliency output=image save_dir=[" + work.resolve("macro") + "]');\nprint('result ' + getTitle() + ' ' + getWidth() + 'x'"
			+ " + getHeight() + 'x' + nSlices);\n", ""));
		runs.put("bar", new Macro("setBatchMode(true);\nopen('" + ihc + "');\nrun('Attribution...', 'model=[" + model
			+ "] method=gradient_x_input target=2 output=channel opacity=0.5 calibration_bar=true save_dir=[" + work.resolve("bar") + "]');\n", ""));
		// Methods that read one model-size input and cannot be blended from tiles say so in one sentence, and what to do.
		runs.put("srd", new Macro("setBatchMode(true);\nopen('" + ihc + "');\nrun('Sharing Ratio Decomposition...', 'model=[" + model
			+ "]');\nprint('still running');\n", ""));
		runs.put("head", new Macro("setBatchMode(true);\nopen('" + ihc + "');\nrun('Explain with Head...', 'model=[" + model + "] head=["
			+ work + "]');\nprint('still running');\n", ""));
		// Two models explain one region into one folder, each with its own method: each keeps its class map.
		runs.put("two models", new Macro("setBatchMode(true);\nopen('" + ihc + "');\nmakeRectangle(300, 200, 96, 64);\nrun('Crop');\n"
			+ "id = getImageID();\nrun('Attribution...', 'model=[" + model + "] method=saliency save_dir=[" + work.resolve("two") + "]');\n"
			+ "selectImage(id);\nrun('Attribution...', 'model=[" + TestFiles.testImages().resolve("models/ihc-resnet-torchscript")
			+ "] method=occlusion patch=8 stride=8 save_dir=[" + work.resolve("two") + "]');\n", ""));
		// A stack of two labelled slices, each larger than the model's input: the class map names each plane's slice.
		runs.put("labelled", new Macro("setBatchMode(true);\nopen('" + ihc + "');\nmakeRectangle(300, 200, 96, 64);\nrun('Crop');\n"
			+ "run('Copy');\nrun('Add Slice');\nrun('Paste');\nsetSlice(1);\nsetMetadata('Label', 'left');\nsetSlice(2);\n"
			+ "setMetadata('Label', 'right');\nrun('Attribution...', 'model=[" + model + "] method=saliency save_dir=[" + work.resolve("labelled")
			+ "]');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void theClassMapNamesTheSliceOfEachPlane() {
		assertFalse(logs.get("labelled").contains("Error"), logs.get("labelled"));
		ImagePlus classes = IJ.openImage(work.resolve("labelled/ihc-ihc-stain-classes.tif").toString());
		assertNotNull(classes, TestFiles.names(work.resolve("labelled")) + "\n" + logs.get("labelled"));
		assertEquals(List.of(4, 2), List.of(classes.getNChannels(), classes.getNSlices()));
		assertEquals("left · p(background)", classes.getStack().getSliceLabel(classes.getStackIndex(1, 1, 1)));
		assertEquals("right · p(DAB-positive)", classes.getStack().getSliceLabel(classes.getStackIndex(3, 2, 1)));
		assertEquals("right · class", classes.getStack().getSliceLabel(classes.getStackIndex(4, 2, 1)));
	}

	/**
	 * The class map is named after the image and the model: a second model's run into the same save_dir keeps the
	 * first model's class map (it was "ihc-classes.tif" for both, the second replacing the first without a word).
	 */
	@Test
	void eachModelKeepsItsOwnClassMapInOneFolder() {
		assertFalse(logs.get("two models").contains("Error"), logs.get("two models"));
		List<String> maps = TestFiles.names(work.resolve("two")).stream().filter(f -> f.endsWith("-classes.tif")).toList();
		assertEquals(List.of("ihc-ihc-resnet-torchscript-classes.tif", "ihc-ihc-stain-classes.tif"), maps);
		ImagePlus stain = IJ.openImage(work.resolve("two/ihc-ihc-stain-classes.tif").toString());
		ImagePlus resnet = IJ.openImage(work.resolve("two/ihc-ihc-resnet-torchscript-classes.tif").toString());
		assertTrue(stain.getInfoProperty().contains("model=ihc-stain\n"), stain.getInfoProperty());
		assertTrue(resnet.getInfoProperty().contains("model=ihc-resnet-torchscript\n"), resnet.getInfoProperty());
		assertEquals(List.of(96, 64, 4), List.of(stain.getWidth(), stain.getHeight(), stain.getNChannels()));
		assertEquals(List.of(96, 64, 4), List.of(resnet.getWidth(), resnet.getHeight(), resnet.getNChannels()));
		float[] a = (float[]) stain.getStack().getProcessor(1).getPixels(), b = (float[]) resnet.getStack().getProcessor(1).getPixels();
		double largest = 0;
		for (int i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
		assertTrue(largest > 1e-3, "each file holds its own model's probabilities, not the other's: " + largest);
	}

	@Test
	void theAttributionCommandExplainsTheWholeImageFromAMacro() throws Exception {
		assertTrue(logs.get("whole").contains("result ihc-saliency-map 512x512x1"), logs.get("whole"));
		ImagePlus map = IJ.openImage(work.resolve("macro/ihc-saliency-map.tif").toString());
		assertNotNull(map);
		assertEquals(512, map.getWidth());
		assertEquals(512, map.getHeight());
		ImagePlus classes = IJ.openImage(work.resolve("macro/ihc-ihc-stain-classes.tif").toString());
		assertNotNull(classes, "the class map is saved beside the map");
		assertEquals(4, classes.getNChannels(), "three class probabilities and the label channel");
		// The saved map's Info says how the image was tiled, in the same line as the class map's.
		String tiles = classes.getInfoProperty().lines().filter(l -> l.startsWith("tiles=")).findFirst().orElseThrow();
		assertTrue(tiles.matches("tiles=\\d+x\\d+ tiles of \\d+x\\d+, overlap [0-9.]+"), tiles);
		assertTrue(map.getInfoProperty().lines().anyMatch(tiles::equals), "the map's Info has " + tiles + ": " + map.getInfoProperty());
		float[][] p = new float[4][];
		for (int c = 0; c < 4; c++) p[c] = (float[]) classes.getStack().getProcessor(c + 1).getPixels();
		for (int i = 0; i < 512 * 512; i++) {
			assertEquals(1f, p[0][i] + p[1][i] + p[2][i], 1e-4f, "probabilities sum to one at pixel " + i);
			int best = p[1][i] > p[0][i] ? (p[2][i] > p[1][i] ? 2 : 1) : (p[2][i] > p[0][i] ? 2 : 0);
			assertEquals(best, p[3][i], "label = arg-max at pixel " + i);
		}

		// The batch runner explains the same whole image and writes the same map.
		BatchJob.Result r = BatchJob.run(Batch.parse(new String[] { "input=" + ihc, "model=" + model, "save_dir=" + work.resolve("batch"),
			"method=saliency" }), Progress.NONE, null);
		assertEquals(1, r.entries());
		ImagePlus batchMap = IJ.openImage(work.resolve("batch/ihc-saliency-map.tif").toString());
		assertEquals(512, batchMap.getWidth());
		assertEquals(512, batchMap.getHeight());
		float[] a = (float[]) map.getProcessor().getPixels(), b = (float[]) batchMap.getProcessor().getPixels();
		for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-6f * Math.max(1, Math.abs(a[i])), "pixel " + i);
		List<String> csv = Files.readAllLines(work.resolve("batch/ihc-saliency-results.csv"), StandardCharsets.UTF_8);
		assertEquals(2, csv.size(), "one row for the one image: " + csv);
	}

	@Test
	void srdAndHeadsRefuseAWholeImageInOneSentenceThatSaysWhatToDo() {
		String srd = logs.get("srd");
		assertTrue(srd.contains("One input of the model's size (32x32) is read at a time (its conservation"
			+ " numbers, ERF and APOP belong to that input), and the image 'ihc.png' is 512x512: explain it whole with Attribution..."
			+ " method=srd"), srd);
		assertFalse(srd.contains("still running"), "the macro is aborted, as for any refused input");
		String head = logs.get("head");
		assertTrue(head.contains("One input of the model's size (32x32) is read at a time") && head.contains(
			"map the whole image with Concept Localization... or Attribution..., which work tile by tile, or crop a 32x32 region"), head);
		assertFalse(srd.contains("Exception") || head.contains("Exception"), srd + head);
	}

	@Test
	void theCalibrationBarShowsTheMapsLutAndRangeOnlyWhenAsked() {
		assertFalse(logs.get("bar").contains("Error"), logs.get("bar"));
		CompositeImage image = (CompositeImage) IJ.openImage(work.resolve("bar/ihc-gradient_x_input.tif").toString());
		LUT lut = image.getChannelLut(image.getNChannels());
		assertTrue(lut.min < 0 && lut.max > 0 && Math.abs(lut.min + lut.max) < 1e-6 * lut.max, "a signed map, symmetric range: " + lut.min
			+ " .. " + lut.max);
		List<String> texts = new java.util.ArrayList<>();
		ImageRoi bar = null;
		for (Roi roi : image.getOverlay().toArray()) {
			if (roi instanceof TextRoi t) texts.add(t.getText().trim());
			else if (roi instanceof ImageRoi r && r.getBounds().width < 100) bar = r;
		}
		assertEquals(List.of(HeatOverlay.number(lut.max), "0", HeatOverlay.number(lut.min)), texts, "the range's ends and 0, top to bottom");
		assertNotNull(bar, "the bar is in the overlay beside the heat map");
		ImageProcessor px = bar.getProcessor();
		assertEquals(lut.getRGB(255) & 0xffffff, px.get(0, 0) & 0xffffff, "top: the LUT's highest colour");
		assertEquals(lut.getRGB(0) & 0xffffff, px.get(0, px.getHeight() - 1) & 0xffffff, "bottom: its lowest");
		int middle = px.get(0, px.getHeight() / 2);
		for (int shift : new int[] { 16, 8, 0 }) assertTrue(((middle >> shift) & 0xff) >= 250, "middle: white, 0 of the diverging LUT");
		ImagePlus plain = IJ.openImage(work.resolve("macro/ihc-saliency-map.tif").toString());
		if (plain.getOverlay() != null) {
			for (Roi roi : plain.getOverlay().toArray()) assertFalse(roi instanceof TextRoi, "no bar unless calibration_bar=true");
		}
	}

	@Test
	void noSeamAtTileBorders() {
		ImagePlus image = IJ.openImage(ihc.toString());
		try (Classifier classifier = Models.open(model)) {
			Explanation blended = Explainer.explain(classifier, image, new Saliency(), 2, "ihc-stain", null);
			assertEquals(TileGrid.of(512, 512, 32, 32, 0.5), blended.tiles().grid());
			// Tile borders of the half-overlap grid: every 16 pixels; the ratio of mean steps there to elsewhere.
			double ratio = borderRatio(blended.map(0), 16);
			assertTrue(ratio < 1.05, "Saliency: steps at tile borders are " + ratio + " times those elsewhere");
			// Grad-CAM's coarse maps differ most from tile to tile: blended, no seam; cut edge to edge
			// (the same tiles without overlap), the borders show, so the measure can fail.
			AttributionMethod gradcam = AttributionMethods.create(new AttributionSettings().model(model).method("gradcam"));
			double gradcamRatio = borderRatio(Explainer.explain(classifier, image, gradcam, 2, "ihc-stain", null).map(0), 16);
			assertTrue(gradcamRatio < 1.05, "Grad-CAM: steps at tile borders are " + gradcamRatio + " times those elsewhere");
			double cutRatio = borderRatio(Explainer.explainTiled(classifier, image, gradcam, 2, "ihc-stain", 0, 0, null).map(0), 32);
			assertTrue(cutRatio > 3, "Grad-CAM tiles cut without blending step by " + cutRatio + " at their borders");
		}
	}

	/** Mean |step| between neighbours across lines x = k * period (and y), divided by the mean elsewhere. */
	static double borderRatio(float[] m, int period) {
		double border = 0, other = 0;
		long nb = 0, no = 0;
		for (int y = 0; y < 512; y++) {
			for (int x = 1; x < 512; x++) {
				double sx = Math.abs(m[y * 512 + x] - m[y * 512 + x - 1]);
				double sy = Math.abs(m[x * 512 + y] - m[(x - 1) * 512 + y]); // the transposed step: across rows
				if (x % period == 0) {
					border += sx + sy;
					nb += 2;
				} else {
					other += sx + sy;
					no += 2;
				}
			}
		}
		return (border / nb) / (other / no);
	}

	@Test
	void anImageSmallerThanTheModelInputIsPadded() throws Exception {
		ImagePlus full = IJ.openImage(ihc.toString());
		full.setRoi(100, 100, 20, 24);
		ImagePlus small = full.crop();
		small.setTitle("small");
		AttributionResult r = AttributionRun.run(small, new AttributionSettings().model(model).method("saliency").output("image"),
			Progress.NONE);
		assertEquals(20, r.image().getWidth());
		assertEquals(24, r.image().getHeight());
		assertTrue(r.explanation().tiles().grid().padded());
		ImageStack s = small.getStack();
		assertFalse(s.getProcessor(1).getPixels() == null);
	}

	/**
	 * The batch runner's stdout holds its summary line and the result paths only (scripts read them
	 * there): the padding note for images smaller than the model's input goes to stderr, once per run,
	 * not once per file or part on stdout (three 20x24 images, one part each, gave three lines there).
	 */
	@Test
	void thePaddingNoteOfABatchRunIsOneLineOnStderrAndStdoutHoldsOnlyTheResults() throws Exception {
		Path folder = Files.createDirectories(work.resolve("small-images")), out = work.resolve("small-out");
		ImagePlus full = IJ.openImage(ihc.toString());
		for (int i = 0; i < 3; i++) {
			full.setRoi(100 + 40 * i, 100, 20, 24);
			IJ.saveAsTiff(full.crop(), folder.resolve("small-" + i + ".tif").toString());
		}
		java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream(), stderr = new java.io.ByteArrayOutputStream(),
			system = new java.io.ByteArrayOutputStream();
		java.io.PrintStream before = System.out;
		int status;
		System.setOut(new java.io.PrintStream(system, true, StandardCharsets.UTF_8)); // ImageJ's Log, headless
		try {
			status = Batch.run(new String[] { "input=" + folder, "model=" + model, "save_dir=" + out, "method=saliency", "batch=1" },
				new java.io.PrintStream(stdout, true, StandardCharsets.UTF_8), new java.io.PrintStream(stderr, true, StandardCharsets.UTF_8), null);
		} finally {
			System.setOut(before);
		}
		String err = stderr.toString(StandardCharsets.UTF_8), log = system.toString(StandardCharsets.UTF_8);
		assertEquals(0, status, err);
		assertFalse(log.contains("padded"), "nothing on the JVM's own stdout: " + log);
		List<String> lines = stdout.toString(StandardCharsets.UTF_8).lines().toList();
		assertEquals(4, lines.size(), "the summary and three result files: " + lines);
		assertTrue(lines.get(0).startsWith("ConceptScope batch: 3 slices in 3 parts of 1 slice; 3 parts computed by this run."), lines.get(0));
		for (String line : lines.subList(1, 4)) assertTrue(Files.isRegularFile(Path.of(line)), "a result file: " + line);
		String note = "The image (20x24) is smaller than the model's input (32x32): it is padded";
		assertEquals(1, err.split(java.util.regex.Pattern.quote(note), -1).length - 1, "the note once, on stderr: " + err);
	}
}
