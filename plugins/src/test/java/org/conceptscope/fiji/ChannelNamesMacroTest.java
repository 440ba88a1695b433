package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * A bioimage.io 0.5 package that names its input channels (channel_names: [DAPI, GFP]; the weights are the two-channel
 * known-answer SavedModel, {@link TwoChannelModel}) explained as users run it, ImageJ 1.x macros on a two-channel composite
 * whose channels carry slice labels: labels in the other order (GFP, DAPI) give one warning line naming the image, both
 * orders and the fix (Arrange Channels with the order 21), and the run goes on with the pixels unchanged; the same image
 * arranged with that order, labels naming the model's channels in its order (other case, spaces), channels without labels,
 * and labels giving Bio-Formats' plane coordinates give no line; other names give the line that says to rename them.
 * A package of the bundled IHC SavedModel whose input channel_names are the placeholders bioimageio.spec's 0.4-to-0.5
 * conversion writes (channel0, channel1, channel2) names no channels: a three-channel composite labelled red, green, blue
 * gets no line, while the same image and a package named channel1, channel2, channel3 (not the converter's form) gets one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChannelNamesMacroTest {

	@TempDir
	static Path work;

	static final String WARNING = "ConceptScope warning: The image";

	private Map<String, String> logs;

	@BeforeAll
	void runTheMacros() throws Exception {
		Path pkg = namedChannelsPackage(work.resolve("dapi-gfp"));
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("swapped", macro("swapped", "GFP", "DAPI", "swapped"));
		runs.put("arranged", new Macro("setBatchMode(true);\nopen('" + arranged(work.resolve("arranged.tif")) + "');\n" + explain("arranged"), ""));
		runs.put("matching", macro("matching", "dapi", " GFP ", "matching"));
		runs.put("unlabelled", macro("unlabelled", "", "", "unlabelled"));
		runs.put("bio-formats", macro("bio-formats", "c:1/2 - cells.czi", "c:2/2 - cells.czi", "bio-formats"));
		runs.put("renamed", macro("renamed", "nuclei", "protein", "renamed"));
		for (Map.Entry<String, Macro> e : runs.entrySet()) {
			e.setValue(new Macro(e.getValue().code().replace("MODEL", pkg.toString()), ""));
		}
		runs.put("converted", rgbLabelled("converted", ihcPackage(work.resolve("ihc-converted"), "channel0, channel1, channel2")));
		runs.put("one-based", rgbLabelled("one-based", ihcPackage(work.resolve("ihc-one-based"), "channel1, channel2, channel3")));
		logs = MacroRunner.run(runs, work);
	}

	/**
	 * A macro that makes a 16x16 two-channel composite (channel 1 a ramp, channel 2 its half), labels its channels, runs
	 * Saliency with the package, and prints whether the explained image's pixels are as they were.
	 */
	private static Macro macro(String title, String first, String second, String dir) {
		return new Macro("setBatchMode(true);\n"
			+ "newImage('" + title + "', '8-bit ramp', 16, 16, 2, 1, 1);\n"
			+ "Stack.setChannel(2);\nrun('Multiply...', 'value=0.5 slice');\n"
			+ (first.isEmpty() ? "" : "Stack.setChannel(1);\nsetMetadata('Label', '" + first + "');\n")
			+ (second.isEmpty() ? "" : "Stack.setChannel(2);\nsetMetadata('Label', '" + second + "');\n")
			+ explain(dir), "");
	}

	/** Saliency of the current image with the package (MODEL), and a line 'pixels before / after' of each channel's sum. */
	private static String explain(String dir) {
		return "labels = '';\nfor (c = 1; c <= 2; c++) { Stack.setChannel(c); labels = labels + getMetadata('Label') + ';'; }\nprint('labels ' + labels);\n"
			+ "id = getImageID();\nbefore = '';\nfor (c = 1; c <= 2; c++) { Stack.setChannel(c); before = before + getValue('RawIntDen') + ' '; }\n"
			+ "run('Attribution...', 'model=[MODEL] method=saliency target=A save_dir=[" + work.resolve(dir) + "]');\n"
			+ "selectImage(id);\nafter = '';\nfor (c = 1; c <= 2; c++) { Stack.setChannel(c); after = after + getValue('RawIntDen') + ' '; }\n"
			+ "print('pixels ' + before + '/ ' + after);\n";
	}

	/**
	 * A macro that makes a 32x32 three-channel composite (ramps of different slopes) labelled red, green, blue, runs Saliency
	 * with the IHC package {@code pkg} for hematoxylin, and prints the labels and whether the pixels are as they were.
	 */
	private static Macro rgbLabelled(String title, Path pkg) {
		return new Macro("setBatchMode(true);\n"
			+ "newImage('" + title + "', '8-bit ramp', 32, 32, 3, 1, 1);\n"
			+ "labels = newArray('red', 'green', 'blue');\nlabelled = '';\nbefore = '';\n"
			+ "for (c = 1; c <= 3; c++) { Stack.setChannel(c); run('Multiply...', 'value=' + (1 - 0.25 * c) + ' slice');"
			+ " setMetadata('Label', labels[c - 1]); labelled = labelled + getMetadata('Label') + ';'; before = before + getValue('RawIntDen') + ' '; }\n"
			+ "print('labels ' + labelled);\nid = getImageID();\n"
			+ "run('Attribution...', 'model=[" + pkg + "] method=saliency target=hematoxylin save_dir=[" + work.resolve(title) + "]');\n"
			+ "selectImage(id);\nafter = '';\nfor (c = 1; c <= 3; c++) { Stack.setChannel(c); after = after + getValue('RawIntDen') + ' '; }\n"
			+ "print('pixels ' + before + '/ ' + after);\n", "");
	}

	/**
	 * The swapped image (channels labelled GFP, DAPI) put in the model's order as the warning says, by Arrange Channels' own
	 * code with the order 21 (its dialog needs a display), saved as a TIFF: the labels go with their channels.
	 */
	private static Path arranged(Path file) {
		ij.ImageStack stack = new ij.ImageStack(16, 16);
		stack.addSlice("GFP", new ij.process.ByteProcessor(16, 16));
		stack.addSlice("DAPI", new ij.process.ByteProcessor(16, 16));
		for (int i = 0; i < 256; i++) {
			stack.getProcessor(1).set(i, i % 16 * 16);
			stack.getProcessor(2).set(i, i % 16 * 8);
		}
		ij.ImagePlus swapped = new ij.ImagePlus("arranged", stack);
		swapped.setDimensions(2, 1, 1);
		ij.ImagePlus arranged = ij.plugin.ChannelArranger.run(new ij.CompositeImage(swapped, ij.IJ.COMPOSITE), new int[] { 2, 1 });
		assertEquals("DAPI", arranged.getStack().getSliceLabel(1));
		assertEquals("GFP", arranged.getStack().getSliceLabel(2));
		assertTrue(new ij.io.FileSaver(arranged).saveAsTiff(file.toString()));
		return file;
	}

	/** The package: rdf.yaml 0.5 (input y, x, channel [DAPI, GFP], no preprocessing; output [A, B]) and the zipped SavedModel. */
	static Path namedChannelsPackage(Path dir) throws IOException {
		Path weights = zippedSavedModel(TwoChannelModel.export(work.resolve("two-channel")), dir);
		Files.writeString(dir.resolve("rdf.yaml"), """
			format_version: 0.5.3
			type: model
			name: DAPI GFP known answer
			description: Two-channel known-answer classifier whose input channels are named (ConceptScope test package)
			authors: [{name: ConceptScope developers}]
			license: Apache-2.0
			inputs:
			  - id: input
			    axes:
			      - {type: batch}
			      - {type: space, id: y, size: 16}
			      - {type: space, id: x, size: 16}
			      - {type: channel, channel_names: [DAPI, GFP]}
			    data: {type: float32}
			outputs:
			  - id: logits
			    axes:
			      - {type: batch}
			      - {type: channel, channel_names: [A, B]}
			weights:
			  tensorflow_saved_model_bundle:
			    source: tf-weights.zip
			    sha256: %s
			    tensorflow_version: 2.16.1
			""".formatted(BioImageModel.sha256(weights)));
		return dir;
	}

	/** The SavedModel's saved_model.pb and variables/ zipped into dir/tf-weights.zip, as a package holds them. */
	static Path zippedSavedModel(Path saved, Path dir) throws IOException {
		Files.createDirectories(dir);
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
		return weights;
	}

	/**
	 * A bioimage.io 0.5 package of the bundled IHC SavedModel (input y, x 32 and a channel axis with the given channel_names;
	 * output background, hematoxylin, DAB-positive), as a converted 0.4 package holds it when the names are channel0, ....
	 */
	private static Path ihcPackage(Path dir, String inputNames) {
		try {
			Path weights = zippedSavedModel(TestFiles.testImages().resolve("models/ihc-stain"), dir);
			Files.writeString(dir.resolve("rdf.yaml"), """
				format_version: 0.5.3
				type: model
				name: IHC stain classifier converted from 0.4
				description: Background / hematoxylin / DAB-positive patches (ConceptScope test package)
				authors: [{name: ConceptScope developers}]
				license: Apache-2.0
				inputs:
				  - id: input
				    axes:
				      - {type: batch}
				      - {type: space, id: y, size: 32}
				      - {type: space, id: x, size: 32}
				      - {type: channel, channel_names: [%s]}
				    data: {type: float32}
				outputs:
				  - id: probabilities
				    axes:
				      - {type: batch}
				      - {type: channel, channel_names: [background, hematoxylin, DAB-positive]}
				weights:
				  tensorflow_saved_model_bundle:
				    source: tf-weights.zip
				    sha256: %s
				    tensorflow_version: 2.16.1
				""".formatted(inputNames, BioImageModel.sha256(weights)));
			return dir;
		} catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	private static int count(String log, String what) {
		return log.split(java.util.regex.Pattern.quote(what), -1).length - 1;
	}

	@Test
	void channelsLabelledInAnotherOrderGetOneLineAndTheRunGoesOnWithThePixelsUnchanged() {
		String log = logs.get("swapped");
		assertFalse(log.contains("Error"), log);
		assertTrue(log.contains("labels GFP;DAPI;"), log);
		assertEquals(1, count(log, WARNING), log);
		assertTrue(log.contains(WARNING + " 'swapped' has its channels labelled GFP, DAPI, but the model expects DAPI, GFP, in this order"
			+ " (its input's channel_names): the same channels in another order, so the model reads each channel as another one; put them"
			+ " in the model's order with Image > Color > Arrange Channels... (new channel order 21) and run again."), log);
		assertTrue(savedMap("swapped"), "the run went on: " + log);
		assertPixelsUnchanged(log);
	}

	@Test
	void theArrangedImageMatchingLabelsNoLabelsAndBioFormatsLabelsGetNoLine() {
		assertTrue(logs.get("arranged").contains("labels DAPI;GFP;"), "the labels went with their channels into the TIFF and back: "
			+ logs.get("arranged"));
		for (String run : new String[] { "arranged", "matching", "unlabelled", "bio-formats" }) {
			String log = logs.get(run);
			assertFalse(log.contains("Error"), run + ": " + log);
			assertFalse(log.contains("channel_names"), run + ": " + log);
			assertTrue(savedMap(run), run + ": " + log);
			assertPixelsUnchanged(log);
		}
	}

	@Test
	void otherNamesGetTheLineThatSaysToRenameThem() {
		String log = logs.get("renamed");
		assertEquals(1, count(log, WARNING), log);
		assertTrue(log.contains(WARNING + " 'renamed' has its channels labelled nuclei, protein, but the model expects DAPI, GFP, in this"
			+ " order (its input's channel_names): if these are other channels, give the model the ones it was trained on, in its order"
			+ " (Image > Color > Arrange Channels...); if they are the same channels only named differently, rename them with Image >"
			+ " Stacks > Tools > Set Label... (on each channel)."), log);
		assertPixelsUnchanged(log);
	}

	@Test
	void theConvertersPlaceholderNamesNameNoChannelsButOtherGenericNamesDo() {
		String log = logs.get("converted");
		assertTrue(log.contains("labels red;green;blue;"), log);
		assertFalse(log.contains("Error"), log);
		assertFalse(log.contains("channel_names"), "channel0, channel1, channel2 are compared with no label: " + log);
		assertTrue(savedMap("converted"), "the run explained the image: " + log);
		assertPixelsUnchanged(log);
		log = logs.get("one-based");
		assertEquals(1, count(log, WARNING), log);
		assertTrue(log.contains(WARNING + " 'one-based' has its channels labelled red, green, blue, but the model expects channel1,"
			+ " channel2, channel3, in this order (its input's channel_names): if these are other channels"), log);
		assertTrue(savedMap("one-based"), log);
	}

	/** Whether the run saved its saliency map. */
	private static boolean savedMap(String run) {
		try (Stream<Path> files = Files.list(work.resolve(run))) {
			return files.anyMatch(f -> f.getFileName().toString().endsWith("-saliency.tif"));
		} catch (IOException e) {
			return false;
		}
	}

	private static void assertPixelsUnchanged(String log) {
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("pixels (.*) / (.*)").matcher(log);
		assertTrue(m.find(), log);
		assertEquals(m.group(1).trim(), m.group(2).trim(), "the image's pixels are not changed: " + log);
		assertFalse(m.group(1).trim().startsWith("0 "), "the ramp has values: " + log);
	}
}
