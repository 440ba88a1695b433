package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.model.bioimage.BioImageModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature Visualization (MACO, reference recipe) of bioimage.io packages of the bundled IHC SavedModel that declare their
 * input's value range, run from macros as users run it: without values_range, a range the package declares in the
 * network's units (a 0.5 uint8 range mapped through scale_linear; a 0.4 data_range without preprocessing) is the canvas's
 * range, and the Info's values_range_used and the Log line say it came from the package; a range that has no fixed place
 * in those units (0.4 with preprocessing, 0.5 before a per-image normalisation) leaves the images' percentile, and the Info
 * says why. Ranges that differ per channel (one range per channel; one range through an ImageNet-style per-channel
 * fixed_zero_mean_unit_variance) put each channel of the canvas in its own range (before 2026-12-07 they kept the percentile).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeatureVisualizationPackageRangeTest {

	@TempDir
	static Path work;

	private Map<String, String> logs;

	static final String OUTPUT_05 = """
		outputs:
		  - id: logits
		    axes:
		      - {type: batch}
		      - {type: channel, channel_names: [background, hematoxylin, DAB-positive]}
		""";

	static final String INPUT_AXES_05 = """
		    axes:
		      - {type: batch}
		      - {type: space, id: y, size: 32}
		      - {type: space, id: x, size: 32}
		      - {type: channel, channel_names: [red, green, blue]}
		""";

	@BeforeAll
	void runMacros() throws Exception {
		Map<String, String> inputs = new LinkedHashMap<>();
		// 0.5, uint8 data in [64, 191], scaled by 1/255: the network takes [64/255, 191/255]
		inputs.put("uint8", "0.5.3|  - id: raw\n" + INPUT_AXES_05 + """
			    data: {type: uint8, range: [64, 191]}
			    preprocessing:
			      - id: scale_linear
			        kwargs: {gain: 0.00392156862745098, offset: 0.0}
			      - id: ensure_dtype
			        kwargs: {dtype: float32}
			""");
		// 0.4 without preprocessing: the range is the network's whichever side of the preprocessing it means
		inputs.put("raw04", "0.4.10|" + """
			  - name: input
			    axes: byxc
			    data_type: float32
			    data_range: [16, 240]
			    shape: [1, 32, 32, 3]
			""");
		// 0.4 with preprocessing: before or after it is not said
		inputs.put("scaled04", "0.4.10|" + """
			  - name: input
			    axes: byxc
			    data_type: uint8
			    data_range: [0, 255]
			    shape: [1, 32, 32, 3]
			    preprocessing:
			      - name: scale_linear
			        kwargs: {axes: xy, gain: 0.00392156862745098, offset: 0}
			""");
		// 0.5 before a per-image normalisation
		inputs.put("perimage", "0.5.3|  - id: raw\n" + INPUT_AXES_05 + """
			    data: {type: float32, range: [0, 255]}
			    preprocessing:
			      - id: zero_mean_unit_variance
			        kwargs: {axes: [y, x]}
			""");
		// 0.5, one range per channel, not all the same
		inputs.put("perchannel", "0.5.3|  - id: raw\n" + INPUT_AXES_05 + """
			    data: [{type: float32, range: [0, 255]}, {type: float32, range: [0, 255]}, {type: float32, range: [0, 127]}]
			""");
		// 0.5, one range through a per-channel normalisation, as ImageNet-style RGB classifiers declare
		inputs.put("imagenet", "0.5.3|  - id: raw\n" + INPUT_AXES_05 + """
			    data: {type: float32, range: [0, 255]}
			    preprocessing:
			      - id: fixed_zero_mean_unit_variance
			        kwargs: {axis: channel, mean: [100, 110, 120], std: [50, 50, 50]}
			""");
		// 0.5, a range that is no range: the package loads for every command; Feature Visualization says why it keeps the percentile
		inputs.put("malformed", "0.5.3|  - id: raw\n" + INPUT_AXES_05 + """
			    data: {type: float32, range: [0, high]}
			""");
		String open = "setBatchMode(true); open('" + TestFiles.testImages().resolve("images").resolve("ihc-heldout-patches.tif") + "');\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		for (Map.Entry<String, String> e : inputs.entrySet()) {
			String[] v = e.getValue().split("\\|", 2);
			Path pkg = pack(work.resolve("pkg-" + e.getKey()), v[0], v[1]);
			runs.put(e.getKey(), new Macro(open + "run('Feature Visualization...', 'model=[" + pkg + "] target=[DAB-positive] steps=3"
				+ " seed=7 save_dir=[" + work.resolve("out-" + e.getKey()) + "]');\n", ""));
		}
		// values_range_used of the per-channel package, replayed as values_range on a package without per-channel ranges; and a
		// pair count that is not the model's channel count
		String[] uint8 = inputs.get("uint8").split("\\|", 2);
		Path replay = pack(work.resolve("pkg-replay"), uint8[0], uint8[1]);
		runs.put("replay", new Macro(open + "run('Feature Visualization...', 'model=[" + replay + "] target=[DAB-positive] steps=3 seed=7"
			+ " values_range=[0,255;0,255;0,127] save_dir=[" + work.resolve("out-replay") + "]');\n", ""));
		runs.put("pairs", new Macro(open + "run('Feature Visualization...', 'model=[" + replay + "] target=[DAB-positive] steps=3 seed=7"
			+ " values_range=[0,1;0,1] save_dir=[" + work.resolve("out-pairs") + "]');\nprint('still running');\n", ""));
		Path malformed = work.resolve("pkg-malformed");
		runs.put("attribution", new Macro(open + "run('Attribution...', 'model=[" + malformed + "] method=saliency target=[DAB-positive]"
			+ " save_dir=[" + work.resolve("out-attribution") + "]');\nprint('saved ' + getInfo('image.title'));\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void aUint8RangeMappedThroughScaleLinearIsTheCanvasRange() throws Exception {
		double lo = 64 * 0.00392156862745098, hi = 191 * 0.00392156862745098;
		String info = checkRange("uint8", lo, hi);
		assertTrue(info.contains("\nvalues_range_used=" + lo + "," + hi + " (declared by the package's input 'raw' data.range [64, 191]"
			+ " through its preprocessing cast(uint8); scale_linear(0.00392156862745098,0.0))\n"), info);
		// the Info keeps every digit (values_range_used replays as values_range); the Log line reads to 6 digits
		assertTrue(logs.get("uint8").contains("Canvas values in [0.25098, 0.74902] (declared by the package's input 'raw' data.range"
			+ " [64, 191] through its preprocessing"), logs.get("uint8"));
	}

	@Test
	void a04RangeWithoutPreprocessingIsTheCanvasRange() throws Exception {
		String info = checkRange("raw04", 16, 240);
		assertTrue(info.contains("\nvalues_range_used=16,240 (declared by the package's input 'input' data_range [16, 240])\n"), info);
		assertTrue(logs.get("raw04").contains("Canvas values in [16, 240] (declared by the package's input 'input' data_range [16, 240])."),
			logs.get("raw04"));
	}

	@Test
	void rangesWithoutAFixedPlaceInTheNetworksUnitsLeaveTheImagesPercentile() {
		assertEquals(" (the images' 0.1st to 99.9th percentile; not the model's declared range: the package's input 'input' data_range"
			+ " [0, 255] may be before or after its preprocessing (format 0.4 does not say))", source("scaled04"));
		assertEquals(" (the images' 0.1st to 99.9th percentile; not the model's declared range: the package's input 'raw' data.range"
			+ " [0, 255] is before its preprocessing, whose step zero_mean_unit_variance depends on each image's values, so the range has"
			+ " no fixed place after it)", source("perimage"));
	}

	@Test
	void rangesPerChannelPutEachChannelInItsOwnRange() {
		String info = checkRanges("perchannel", new double[] { 0, 0, 0 }, new double[] { 255, 255, 127 });
		assertTrue(info.contains("\nvalues_range_used=0,255;0,255;0,127 (declared by the package's input 'raw' data ranges [0, 255], [0, 255],"
			+ " [0, 127])\n"), info);
		assertTrue(logs.get("perchannel").contains("Canvas values in [0, 255], [0, 255], [0, 127] per channel (declared by the package's input"
			+ " 'raw' data ranges"), logs.get("perchannel"));
		info = checkRanges("imagenet", new double[] { -2, -2.2, -2.4 }, new double[] { 3.1, 2.9, 2.7 });
		assertTrue(info.contains(" (declared by the package's input 'raw' data.range [0, 255] through its preprocessing "), info);
		assertTrue(info.contains(", per channel [-2, 3.1"), info);
	}

	/**
	 * A per-channel values_range_used replays as values_range: each channel is put in its own range, and the Info says so; a count
	 * of pairs other than the model's input channels is refused in one sentence before any work.
	 */
	@Test
	void aPerChannelValuesRangeUsedReplaysAsValuesRange() throws IOException {
		String info = checkRanges("replay", new double[] { 0, 0, 0 }, new double[] { 255, 255, 127 });
		assertTrue(info.contains("\nvalues_range_used=0,255;0,255;0,127 (declared by values_range)\n"), info);
		String log = logs.get("pairs");
		assertTrue(log.contains("values_range gives 2 ranges (lo,hi;lo,hi;...) but the model takes 3 input channel(s): give one lo,hi pair per"
			+ " channel, or one pair for all of them."), log);
		assertFalse(log.contains("still running") || Files.exists(work.resolve("out-pairs")), log);
	}

	/**
	 * A malformed input range refuses nothing: Attribution runs on the package (only Feature Visualization uses the range), and
	 * Feature Visualization keeps the percentile, naming the field, what it found and values_range (before, the package load
	 * was refused for every command).
	 */
	@Test
	void aMalformedRangeLoadsAndFeatureVisualizationSaysWhy() throws IOException {
		String log = logs.get("attribution");
		assertFalse(log.contains("Error") || log.contains("Exception") || log.contains("must be two numbers"), log);
		try (Stream<Path> saved = Files.list(work.resolve("out-attribution"))) {
			assertTrue(saved.anyMatch(f -> f.getFileName().toString().endsWith(".tif")), log);
		}
		assertEquals(" (the images' 0.1st to 99.9th percentile; not the model's declared range: the package's input 'raw' data.range cannot"
			+ " be read (rdf.yaml field inputs[0].data.range must be two numbers [min, max] (null or .inf for an open end), found '[0, high]');"
			+ " give values_range)", source("malformed"));
	}

	/** The Info's values_range_used source, from the first " (" on, after checking the run and that the range is a number pair. */
	private String source(String run) {
		String log = logs.get(run);
		assertFalse(log.contains("Error") || log.contains("Exception"), log);
		String info = info(run);
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("\nvalues_range_used=[-0-9.E]+,[-0-9.E]+( \\(.*\\))\n").matcher(info);
		assertTrue(m.find(), info);
		assertTrue(log.contains("Canvas values in [") && log.contains(m.group(1).substring(1) + "."), log);
		return m.group(1);
	}

	/** Checks the run and that each canvas channel c lies in [lo[c], hi[c]] and spreads over it; returns the Info. */
	private String checkRanges(String run, double[] lo, double[] hi) {
		String log = logs.get(run);
		assertFalse(log.contains("Error") || log.contains("Exception"), log);
		ImagePlus saved = IJ.openImage(work.resolve("out-" + run).resolve(base(run) + ".tif").toString());
		for (int c = 0; c < 3; c++) {
			double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
			for (float v : (float[]) saved.getStack().getPixels(c + 1)) {
				min = Math.min(min, v);
				max = Math.max(max, v);
			}
			double span = hi[c] - lo[c], tolerance = 1e-5 * span;
			assertTrue(min >= lo[c] - tolerance && max <= hi[c] + tolerance, run + " channel " + (c + 1) + ": " + min + " .. " + max + " outside ["
				+ lo[c] + ", " + hi[c] + "]");
			assertTrue(min < lo[c] + 0.25 * span && max > hi[c] - 0.25 * span, run + " channel " + (c + 1) + ": " + min + " .. " + max
				+ " does not spread over [" + lo[c] + ", " + hi[c] + "]");
		}
		return String.valueOf(saved.getProperty("Info"));
	}

	/** Checks the run and that every canvas value lies in [lo, hi] and spreads over it; returns the Info. */
	private String checkRange(String run, double lo, double hi) {
		String log = logs.get(run);
		assertFalse(log.contains("Error") || log.contains("Exception"), log);
		ImagePlus saved = IJ.openImage(work.resolve("out-" + run).resolve(base(run) + ".tif").toString());
		double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
		for (int c = 1; c <= 3; c++) {
			for (float v : (float[]) saved.getStack().getPixels(c)) {
				min = Math.min(min, v);
				max = Math.max(max, v);
			}
		}
		double tolerance = 1e-6 * (hi - lo);
		assertTrue(min >= lo - tolerance && max <= hi + tolerance, "canvas " + min + " .. " + max + " outside [" + lo + ", " + hi + "]");
		// the sigmoid of a standardised canvas spreads over the range: not squeezed into a part of it
		assertTrue(min < lo + 0.2 * (hi - lo) && max > hi - 0.2 * (hi - lo), "canvas " + min + " .. " + max + " in [" + lo + ", " + hi + "]");
		return String.valueOf(saved.getProperty("Info"));
	}

	private String info(String run) {
		return String.valueOf(IJ.openImage(work.resolve("out-" + run).resolve(base(run) + ".tif").toString()).getProperty("Info"));
	}

	private static String base(String run) {
		return "pkg-" + run + "-DAB-positive-maco";
	}

	/** A package folder: the IHC SavedModel zipped and an rdf.yaml with this input (no test tensors). */
	static Path pack(Path dir, String format, String input) throws IOException {
		Files.createDirectories(dir);
		Path saved = TestFiles.testImages().resolve("models").resolve("ihc-stain");
		Path weights = dir.resolve("tf-weights.zip");
		try (OutputStream os = Files.newOutputStream(weights); ZipOutputStream zip = new ZipOutputStream(os); Stream<Path> files = Files.walk(saved)) {
			for (Path f : files.sorted().toList()) {
				String rel = saved.relativize(f).toString().replace('\\', '/');
				if (Files.isDirectory(f) || !(rel.equals("saved_model.pb") || rel.startsWith("variables/"))) continue;
				zip.putNextEntry(new ZipEntry(rel));
				Files.copy(f, zip);
				zip.closeEntry();
			}
		}
		boolean v04 = format.startsWith("0.4");
		String output = v04 ? """
			outputs:
			  - name: probabilities
			    axes: bc
			    data_type: float32
			    shape: [1, 3]
			""" : OUTPUT_05;
		Files.writeString(dir.resolve("rdf.yaml"), "format_version: " + format + "\ntype: model\nname: IHC stain " + dir.getFileName()
			+ "\ndescription: the bundled IHC classifier with a declared input range (ConceptScope test package)\n"
			+ "authors: [{name: ConceptScope developers}]\nlicense: Apache-2.0\ntimestamp: '2026-12-07T00:00:00Z'\ninputs:\n" + input + output
			+ "weights:\n  tensorflow_saved_model_bundle:\n    source: tf-weights.zip\n    sha256: " + BioImageModel.sha256(weights)
			+ "\n    tensorflow_version: 2.16.1\n" + (v04 ? "config:\n  conceptscope:\n    classes: [background, hematoxylin, DAB-positive]\n" : ""));
		return dir;
	}
}
