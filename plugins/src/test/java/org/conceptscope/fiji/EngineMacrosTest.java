package org.conceptscope.fiji;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * TorchScript and ONNX models as users run them: ImageJ 1.x macros in a headless ImageJ with
 * ConceptScope and its jars on ImageJ's own plugin class loader (where DJL's engine lookup fails
 * unless ConceptScope hands it its class loader), on the real held-out IHC stack, with the
 * bioimage.io packages of test-images/models/ihc-resnet-torchscript and ihc-resnet-onnx; and the
 * batch runner on the same stack, which must give the Attribution command's maps (the model's
 * declared preprocessing applied alike).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EngineMacrosTest {

	@TempDir
	static Path work;

	private final Path testImages = TestFiles.testImages(), macros = TestFiles.macros();
	private Map<String, String> logs;

	@BeforeAll
	void runMacrosInImageJ() throws Exception {
		Map<String, Macro> runs = new LinkedHashMap<>();
		String stack = image("ihc-heldout-patches.tif");
		runs.put("torchscript sobol", new Macro(Files.readString(macros.resolve("attribution_example.ijm")), "image=[" + stack + "] model=["
			+ model("ihc-resnet-torchscript") + "] save_dir=[" + work.resolve("ts-sobol") + "]"));
		String open = "setBatchMode(true); open('" + stack + "');\n";
		for (String engine : List.of("torchscript", "onnx")) {
			runs.put(engine + " occlusion", new Macro(open + "run('Attribution...', 'model=[" + model("ihc-resnet-" + engine)
				+ "] method=occlusion patch=4 stride=4 output=channel save_dir=[" + work.resolve(engine + "-occlusion") + "]');\n", ""));
		}
		runs.put("onnx saliency", new Macro(open + "run('Attribution...', 'model=[" + model("ihc-resnet-onnx")
			+ "] method=saliency save_dir=[" + work.resolve("onnx-saliency") + "]');\n", ""));
		runs.put("torchscript info", new Macro(Files.readString(macros.resolve("model_info.ijm")), "model=[" + model("ihc-resnet-torchscript")
			+ "] save_dir=[" + work.resolve("ts-info") + "]"));
		runs.put("pixel size", new Macro(open + "run('Properties...', 'unit=micron pixel_width=1 pixel_height=1');\n"
			+ "run('Attribution...', 'model=[" + calibratedPackage() + "] method=occlusion patch=8 stride=8 save_dir=[" + work.resolve("calibrated") + "]');\n", ""));
		// a 50x40 region of ihc.png and its 48x32 top-left window, for the package whose axes take 16 + k*16 pixels
		ij.process.ImageProcessor region = IJ.openImage(image("ihc.png")).getProcessor();
		region.setRoi(300, 200, 50, 40);
		region = region.crop();
		ij.process.ImageProcessor window = region.duplicate();
		window.setRoi(0, 0, 48, 32);
		assertTrue(IJ.saveAsTiff(new ImagePlus("region", region), work.resolve("region.tif").toString()));
		assertTrue(IJ.saveAsTiff(new ImagePlus("window", window.crop()), work.resolve("window.tif").toString()));
		Path steps = rewrittenPackage("steps-package", "size: {min: 16, step: 16}");
		for (String name : List.of("region", "window")) {
			runs.put("steps " + name, new Macro("setBatchMode(true); open('" + work.resolve(name + ".tif") + "');\nrun('Attribution...', 'model=["
				+ steps + "] method=saliency save_dir=[" + work.resolve("steps-" + name) + "]');\n", ""));
		}
		runs.put("steps samples", new Macro("setBatchMode(true); open('" + work.resolve("region.tif") + "');\nrun('Evaluate Explanation...',"
			+ " 'model=[" + steps + "] method=saliency metric=deletion steps=4 save_dir=[" + work.resolve("steps-samples") + "]');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	/** A copy of the TorchScript package whose rdf says the model was trained on 0.5 µm pixels. */
	private Path calibratedPackage() throws IOException {
		return rewrittenPackage("calibrated-package", "size: 32, scale: 0.5, unit: micrometer");
	}

	/** A copy of the TorchScript package whose space axes are {@code {type: space, id: y|x, <axis>}}. */
	private Path rewrittenPackage(String name, String axis) throws IOException {
		Path src = Path.of(model("ihc-resnet-torchscript")), dst = Files.createDirectories(work.resolve(name));
		try (Stream<Path> s = Files.list(src)) {
			for (Path p : s.toList()) Files.copy(p, dst.resolve(p.getFileName()));
		}
		String rdf = Files.readString(dst.resolve("rdf.yaml"));
		rdf = rdf.replace("{type: space, id: y, size: 32}", "{type: space, id: y, " + axis + "}")
			.replace("{type: space, id: x, size: 32}", "{type: space, id: x, " + axis + "}");
		Files.writeString(dst.resolve("rdf.yaml"), rdf);
		return dst;
	}

	/**
	 * A package whose axes take 16 + k*16 pixels explains a 50x40 image in tiles of the largest size it
	 * takes (48x32), as a fixed-size model would be in tiles of its size; before, the image went in whole
	 * and the package refused its size. Where the top-left tile alone covers the image its map is that
	 * 48x32 window's own map, explained untiled. A sample command (Evaluate Explanation) takes the
	 * image's tiles of that size as its samples, and says so.
	 */
	@Test
	void aPackageOfSteppedSizesExplainsAnImageInTilesOfTheLargestSizeItTakes() throws IOException {
		for (String name : List.of("region", "window")) assertFalse(logs.get("steps " + name).contains("Error"), logs.get("steps " + name));
		assertEquals(List.of("region-saliency-results.csv", "region-saliency.tif", "region-steps-package-classes.tif"), TestFiles.names(work.resolve(
			"steps-region")).stream().filter(f -> f.endsWith(".tif") || f.endsWith(".csv")).toList(), "a whole image's class map too");
		ImagePlus whole = IJ.openImage(work.resolve("steps-region/region-saliency.tif").toString());
		ImagePlus window = IJ.openImage(work.resolve("steps-window/window-saliency.tif").toString());
		assertEquals(50, whole.getWidth());
		assertEquals(40, whole.getHeight());
		assertEquals(48, window.getWidth());
		String info = String.valueOf(IJ.openImage(work.resolve("steps-region/region-steps-package-classes.tif").toString()).getProperty("Info"));
		assertTrue(info.contains("tiles=2x2 tiles of 48x32, overlap 0.5"), info);
		assertTrue(TestFiles.names(work.resolve("steps-window")).stream().noneMatch(f -> f.endsWith("-classes.tif")), "the window is a size the package takes: untiled, no class map");
		assertEquals(4, whole.getNChannels(), "R, G, B and the map");
		float[] w = map(window, 4, 1), m = map(whole, 4, 1);
		double largest = 0;
		for (int y = 0; y < 8; y++) {
			for (int x = 0; x < 2; x++) {
				// tiles start at x 0 and 2, y 0 and 8: only the first covers x < 2, y < 8
				assertEquals(w[y * 48 + x], m[y * 50 + x], 1e-5 * Math.max(1, Math.abs(w[y * 48 + x])), "(" + x + ", " + y + ")");
				largest = Math.max(largest, Math.abs(w[y * 48 + x]));
			}
		}
		assertTrue(largest > 0, "the saliency there is not all zero");
		String samples = logs.get("steps samples");
		assertFalse(samples.contains("Error"), samples);
		assertTrue(samples.contains("'region.tif' (50x40) is larger than the model's input (a height of 16 + k*16 (16, 32, 48, ...), a width of"
			+ " 16 + k*16 (16, 32, 48, ...)): its 2x2 tiles of 48x32, spread evenly from edge to edge"), "a sample command takes its tiles of that size: " + samples);
	}

	@Test
	void aTorchScriptPackageExplainsTheStackWithSobol() throws IOException {
		Path out = work.resolve("ts-sobol");
		assertFalse(logs.get("torchscript sobol").contains("Error"), logs.get("torchscript sobol"));
		String base = "ihc-heldout-patches-sobol";
		assertEquals(List.of(base + "-RoiSet.zip", base + "-results.csv", base + ".tif"), TestFiles.names(out));
		List<List<String>> csv = Csv.parse(Files.readString(out.resolve(base + "-results.csv")));
		assertEquals(1 + 12, csv.size());
		long correct = csv.stream().skip(1).filter(r -> r.get(2).startsWith(r.get(3) + " #")).count();
		// the package's description reports 0.943 held-out accuracy
		assertTrue(correct >= 10, correct + " of 12 TorchScript predictions match the patch labels");
		ImagePlus heat = IJ.openImage(out.resolve(base + ".tif").toString());
		assertEquals(3 + 1, heat.getNChannels(), "R, G, B + the heat-map channel");
	}

	@Test
	void onnxAndTorchScriptGiveTheSameOcclusionMapsAndTheBatchRunnerToo() throws Exception {
		String base = "ihc-heldout-patches-occlusion";
		ImagePlus ts = IJ.openImage(work.resolve("torchscript-occlusion").resolve(base + ".tif").toString());
		ImagePlus onnx = IJ.openImage(work.resolve("onnx-occlusion").resolve(base + ".tif").toString());
		assertFalse(logs.get("onnx occlusion").contains("Error"), logs.get("onnx occlusion"));
		BatchJob.Job job = Batch.parse(new String[] { "input=" + image("ihc-heldout-patches.tif"), "model=" + model("ihc-resnet-torchscript"),
			"save_dir=" + work.resolve("batch-ts"), "method=occlusion", "patch=4", "stride=4" });
		BatchJob.run(job, Progress.NONE, null);
		ImagePlus batch = IJ.openImage(work.resolve("batch-ts").resolve(base + "-map.tif").toString());
		for (int z = 1; z <= 12; z++) {
			float[] a = map(ts, 4, z), b = map(onnx, 4, z), c = (float[]) batch.getStack().getProcessor(z).convertToFloat().getPixels();
			for (int i = 0; i < a.length; i++) {
				assertEquals(a[i], b[i], 1e-4 * (1 + Math.abs(a[i])), "slice " + z + ": ONNX vs TorchScript");
				assertEquals(a[i], c[i], 1e-5 * (1 + Math.abs(a[i])), "slice " + z + ": batch runner vs Attribution command");
			}
		}
	}

	@Test
	void onnxRefusesSaliencyInOneSentenceAndWritesNothing() {
		String log = logs.get("onnx saliency");
		assertTrue(log.contains("saliency needs gradients") && log.contains("Occlusion, RISE, Sobol attribution, HSIC attribution, LIME or Kernel SHAP"), log);
		assertFalse(Files.exists(work.resolve("onnx-saliency")) && !TestFiles.names(work.resolve("onnx-saliency")).isEmpty(), "nothing written");
	}

	@Test
	void modelInfoNamesTheEngineAndTheTorchScriptLayers() throws IOException {
		String info = Files.readString(work.resolve("ts-info").resolve("ihc-resnet-torchscript-info.txt"));
		assertTrue(info.contains("Engine: bioimage.io package (torchscript weights)"), info);
		assertTrue(info.contains("Normalisation: scale_linear(0.00392156862745098,0.0); scale_linear("), info);
		assertTrue(info.contains("layer3  Sequential  [-1, 8, 8, 32]  spatial"), info);
	}

	@Test
	void aModelTrainedOnOtherPixelsIsExplainedWithAWarning() {
		String log = logs.get("pixel size");
		assertTrue(log.contains("ConceptScope warning: The model IHC stain ResNet (TorchScript) was trained on pixels of 0.5000 x 0.5000 micrometer"
			+ " but this image's pixels are 1.000 x 1.000 micron"), log);
		assertTrue(Files.exists(work.resolve("calibrated").resolve("ihc-heldout-patches-occlusion.tif")), "the run goes on");
		assertEquals(1, log.split("ConceptScope warning", -1).length - 1, "one warning per model and calibration, not one per slice: " + log);
	}

	private static float[] map(ImagePlus hyperstack, int channel, int slice) {
		return (float[]) hyperstack.getStack().getProcessor(hyperstack.getStackIndex(channel, slice, 1)).convertToFloat().getPixels();
	}

	private String image(String name) {
		return testImages.resolve("images").resolve(name).toString();
	}

	private String model(String name) {
		return testImages.resolve("models").resolve(name).toString();
	}
}
