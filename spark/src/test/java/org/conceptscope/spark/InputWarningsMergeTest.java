package org.conceptscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.process.ByteProcessor;
import ij.process.ShortProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.fiji.batch.InputWarnings;
import org.conceptscope.fiji.image.ImageFiles;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.model.Classifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one aggregator of input warnings ({@link InputWarnings}) as a cluster's driver uses it: the tasks check the files
 * they read and print nothing; the driver merges what they found in file order and says the batch runner's line once,
 * the first such file's sentence (the local one, word for word) and how many of the job's files are so. Here the
 * warning that a model's preprocessing casts image values to an integer type that does not hold them (a bioimage.io
 * ensure_dtype to uint8 of 16-bit files; the bundled known-answer model with "cast(uint8)" in its card, as in
 * CastWarningTest). Likewise the files whose channel labels name a bioimage.io model's input channels
 * (channel_names) in another order: a local Spark job whose tasks read three-channel TIFFs written with their
 * channels labelled in another order (a cycle, so that the order Arrange Channels is given is not its own inverse),
 * in the model's order and not at all gets one line from the driver, for the first, with the local sentence; the
 * model is a bioimage.io 0.5 package of the bundled IHC SavedModel whose input names its channels red, green, blue.
 * A package whose names are the placeholders of bioimageio.spec's 0.4-to-0.5 conversion (channel0, channel1,
 * channel2) names no channels: the same files give no line.
 */
class InputWarningsMergeTest {

	@TempDir
	Path tmp;

	private static InputWarnings of(List<ImagePlus> images, Classifier model) {
		InputWarnings found = new InputWarnings();
		for (ImagePlus imp : images) found.add(imp, model);
		return found;
	}

	@Test
	void filesWhoseValuesTheModelsCastWrapsGetOneLineFromTheDriver() throws Exception {
		Path dir = uint8CastModel(tmp.resolve("known-answer-uint8"));
		ImagePlus a = sixteen("a.tif", 4000), b = sixteen("b.tif", 300);
		ByteProcessor bytes = new ByteProcessor(32, 32);
		for (int i = 0; i < 32 * 32; i++) bytes.set(i, i % 256);
		try (Classifier model = Models.open(dir)) {
			List<String> local = new ArrayList<>();
			Models.warnDomain(List.of(a), model, local::add);
			String sentence = Models.castOverflow(a, model);
			assertEquals(List.of("ConceptScope warning: The image 'a.tif' has values from 0 to 4000 that the model's preprocessing casts to"
				+ " uint8 (ensure_dtype): 24 of 1024 lie outside 0 to 255 and wrap modulo 256 as in bioimageio.core (e.g. 4000 becomes 160),"
				+ " so the model sees other values than the image holds; convert the image to uint8 first (Image > Type, which scales by the"
				+ " display range)."), local, "the local line");
			assertEquals(local.get(0), "ConceptScope warning: " + sentence, "the sentence is the local one");
			// two tasks: an 8-bit file and the first 16-bit one, then the second
			InputWarnings first = of(List.of(new ImagePlus("bytes.tif", bytes), a), model), second = of(List.of(b), model);
			assertEquals(List.of("ConceptScope warning: " + sentence), casts(first.lines(false)), "one file of the first task's");
			List<String> lines = casts(first.merge(second).lines(false));
			assertEquals(List.of("ConceptScope warning: " + sentence + " (2 of the 3 images are so.)"), lines);
			assertEquals(List.of("ConceptScope warning: " + sentence), casts(first.lines(false)), "merge changes neither part");
			// the later task's file is the first when the earlier one has none; one file of two is said without a count
			lines = casts(of(List.of(new ImagePlus("bytes.tif", bytes)), model).merge(second).lines(false));
			assertEquals(List.of("ConceptScope warning: " + Models.castOverflow(b, model)), lines);
			assertTrue(lines.get(0).contains("The image 'b.tif' has values from 0 to 300"), lines.get(0));
		}
	}

	private static List<String> casts(List<String> lines) {
		return lines.stream().filter(l -> l.contains("casts to")).toList();
	}

	@Test
	void filesWhoseChannelLabelsAreInAnotherOrderThanTheModelsGetOneLineFromTheDriver() throws Exception {
		List<Path> files = List.of(threeChannels("swapped.tif", "blue", "red", "green"), threeChannels("matching.tif", "Red", "green ", "BLUE"),
			threeChannels("unlabelled.tif", null, null, null), threeChannels("cycled.tif", "green", "blue", "red"));
		ImagePlus swapped = ImageFiles.open(files.get(0), false);
		assertEquals(List.of(3, "blue", "red", "green"), List.of(swapped.getNChannels(), swapped.getStack().getSliceLabel(1),
			swapped.getStack().getSliceLabel(2), swapped.getStack().getSliceLabel(3)), "the TIFF keeps its channels and their labels");
		String model = namedChannelsPackage(tmp.resolve("ihc-named-channels"), "red, green, blue").toString();
		String sentence;
		try (Classifier opened = Models.open(Path.of(model))) {
			assertEquals(List.of("red", "green", "blue"), opened.inputChannelNames(), "the package's channel_names reach the model");
			sentence = Models.channelNames(swapped, opened);
			List<String> local = new ArrayList<>();
			Models.warnDomain(List.of(swapped), opened, local::add);
			assertEquals(List.of("ConceptScope warning: " + sentence), local, "the sentence is the local one");
		}
		assertEquals("The image 'swapped.tif' has its channels labelled blue, red, green, but the model expects red, green, blue, in this"
			+ " order (its input's channel_names): the same channels in another order, so the model reads each channel as another one; put"
			+ " them in the model's order with Image > Color > Arrange Channels... (new channel order 231) and run again.", sentence);

		// one task per file, on local Spark, each opening the package and reading its file as the concept job's tasks do
		List<String> paths = files.stream().map(Path::toString).toList();
		InputWarnings[] found = new InputWarnings[paths.size()];
		try (SparkBatch.LazyContext spark = new SparkBatch.LazyContext("local[2]")) {
			SparkTasks.run(spark.get(), List.of(0, 1, 2, 3), "channel names", i -> {
				try (Classifier opened = Models.open(Path.of(model))) {
					return new InputWarnings().add(ImageFiles.open(Path.of(paths.get(i)), false), opened);
				}
			}, (i, r) -> {
				found[i] = r;
				return true;
			});
		}
		assertEquals(List.of(1, 0, 0, 1), java.util.Arrays.stream(found).map(w -> w.lines(false).size()).toList(),
			"swapped and cycled labels: a line each; the model's order (case and spaces aside) and no labels: none");
		assertEquals(List.of("ConceptScope warning: " + sentence + " (2 of the 4 images are so; the run reads the files as saved, so save them"
			+ " with their channels arranged or relabelled.)"), java.util.Arrays.stream(found).reduce(new InputWarnings(), InputWarnings::merge)
				.lines(false));

		// files in the model's order, or unlabelled, only: no line
		assertEquals(List.of(), found[1].merge(found[2]).lines(false));
	}

	@Test
	void aConvertedPackagesPlaceholderChannelNamesGiveNoLineForLabelledFiles() throws Exception {
		List<Path> files = List.of(threeChannels("swapped.tif", "blue", "red", "green"), threeChannels("other.tif", "DAPI", "GFP", "actin"));
		Path model = namedChannelsPackage(tmp.resolve("ihc-converted"), "channel0, channel1, channel2");
		try (Classifier opened = Models.open(model)) {
			assertEquals(List.of(), opened.inputChannelNames(), "channel0, channel1, channel2 name no channels");
			// the tasks' pass over each file, merged and said by the driver as the concepts job does
			InputWarnings found = new InputWarnings();
			for (Path f : files) found = found.merge(new InputWarnings().add(ImageFiles.open(f, false), opened));
			assertEquals(List.of(), found.lines(false));
		}
	}

	private Path threeChannels(String name, String... labels) {
		return threeChannels(tmp, name, labels);
	}

	/** A 32x32 three-channel 8-bit composite TIFF (ramps of different slopes) whose channels are labelled as given (null: none). */
	static Path threeChannels(Path dir, String name, String... labels) {
		ij.ImageStack stack = new ij.ImageStack(32, 32);
		for (int c = 0; c < 3; c++) {
			ByteProcessor ip = new ByteProcessor(32, 32);
			for (int i = 0; i < 32 * 32; i++) ip.set(i, i % 32 * (c + 2));
			stack.addSlice(labels[c], ip);
		}
		ImagePlus imp = new ImagePlus(name, stack);
		imp.setDimensions(3, 1, 1);
		Path file = dir.resolve(name);
		assertTrue(new ij.io.FileSaver(new ij.CompositeImage(imp, ij.CompositeImage.COMPOSITE)).saveAsTiff(file.toString()));
		return file;
	}

	/**
	 * A bioimage.io 0.5 package of the bundled IHC SavedModel (unzipped: rdf.yaml and the zipped weights) whose input names
	 * its channels as given ({@code names}: the channel_names list, comma-separated).
	 */
	static Path namedChannelsPackage(Path dir, String names) throws Exception {
		Files.createDirectories(dir);
		ModelArchive.zip(SparkBatchTest.MODEL.toAbsolutePath(), dir.resolve("tf-weights.zip"));
		Files.writeString(dir.resolve("rdf.yaml"), """
			format_version: 0.5.3
			type: model
			name: IHC stain classifier with named channels
			description: Background / hematoxylin / DAB-positive patches whose input channels are named (ConceptScope test package)
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
			    tensorflow_version: 2.16.1
			""".formatted(names));
		return dir;
	}

	/** A copy of the bundled known-answer model whose card casts its input to uint8 ("cast(uint8)" for "unit_range"). */
	static Path uint8CastModel(Path dir) throws java.io.IOException {
		Path from = SparkBatchTest.TEST_IMAGES.resolve("models/known-answer");
		try (var files = Files.walk(from)) {
			for (Path f : files.toList()) {
				Path to = dir.resolve(from.relativize(f).toString());
				if (Files.isDirectory(f)) Files.createDirectories(to);
				else Files.copy(f, to);
			}
		}
		String card = Files.readString(dir.resolve("conceptscope.json"));
		assertTrue(card.contains("\"normalization\": \"unit_range\""), card);
		Files.writeString(dir.resolve("conceptscope.json"), card.replace("\"normalization\": \"unit_range\"", "\"normalization\": \"cast(uint8)\""));
		return dir;
	}

	/** A 16-bit image whose first 1000 values are 0 to 255 and the other 24 {@code high}. */
	static ImagePlus sixteen(String title, int high) {
		ShortProcessor ip = new ShortProcessor(32, 32);
		for (int i = 0; i < 32 * 32; i++) ip.set(i, i < 1000 ? i % 256 : high);
		return new ImagePlus(title, ip);
	}
}
