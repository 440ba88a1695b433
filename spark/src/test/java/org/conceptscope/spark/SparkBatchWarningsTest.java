package org.conceptscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ColorProcessor;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.fiji.image.ImageFiles;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.model.Classifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch job's warnings are the batch runner's, said by the driver once per kind for the run, before the parts (the
 * first file's sentence and how many of the images are so); the tasks print none, and no kind is said twice (until
 * 2026-12-07 the driver said each kind twice: the batch runner's line and one the tasks' checks made). Real TIFFs
 * written here, run by {@link SparkBatch} on local Spark with one or two files per part: 16-bit files into a model that
 * casts to uint8, files far from the IHC model's card (a file of three slices over two parts counted once), and
 * three-channel files labelled in another order than a bioimage.io package's channel_names. The tasks' own output (a
 * local master's tasks run in this JVM, and ImageJ's Log is stdout headless) is captured to show that no task printed a
 * warning.
 */
class SparkBatchWarningsTest {

	private static final String LINE = "ConceptScope warning: ", NOTE = "ConceptScope note: ";

	@TempDir
	Path tmp;

	/** The job's status, the driver's stderr (the batch runner's message channel) and what was printed on stdout meanwhile. */
	record Job(int status, String err, String stdout) {
		List<String> warnings() {
			// the batch runner's lines (InputWarnings, said by the driver), and any other job's: each kind once in all
			return err.lines().filter(l -> l.startsWith(LINE) || l.startsWith(NOTE) || l.startsWith("ConceptScope Spark ")).toList();
		}
	}

	private Job run(Path input, Path model, Path saveDir, int batch, String... more) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream(), stdout = new ByteArrayOutputStream();
		PrintStream was = System.out;
		int status;
		System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
		try {
			List<String> args = new java.util.ArrayList<>(List.of("input=" + input, "model=" + model, "save_dir=" + saveDir, "method=saliency",
				"batch=" + batch, "master=local[2]"));
			args.addAll(List.of(more));
			status = SparkBatch.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
				new PrintStream(err, true, StandardCharsets.UTF_8), SparkParts.TaskHook.NONE);
		} finally {
			System.setOut(was);
		}
		Job job = new Job(status, err.toString(StandardCharsets.UTF_8), stdout.toString(StandardCharsets.UTF_8));
		assertEquals(0, status, job.err());
		assertFalse(job.stdout().contains("ConceptScope warning") || job.stdout().contains("ConceptScope note"), "no task prints a warning: "
			+ job.stdout());
		return job;
	}

	@Test
	void filesWhoseValuesTheModelsCastWrapsGetOneLineFromTheDriver() throws Exception {
		Path model = InputWarningsMergeTest.uint8CastModel(tmp.resolve("known-answer-uint8")), folder = tmp.resolve("sixteen");
		Files.createDirectories(folder);
		// 4000 and 300 wrap modulo 256; values up to 255 do not
		for (ImagePlus imp : List.of(InputWarningsMergeTest.sixteen("a.tif", 4000), InputWarningsMergeTest.sixteen("b.tif", 300), InputWarningsMergeTest.sixteen("c.tif", 255))) {
			assertTrue(IJ.saveAsTiff(imp, folder.resolve(imp.getTitle()).toString()));
		}
		String sentence;
		try (Classifier opened = Models.open(model)) {
			sentence = Models.castOverflow(ImageFiles.open(folder.resolve("a.tif"), false), opened);
			assertNull(Models.castOverflow(ImageFiles.open(folder.resolve("c.tif"), false), opened), "c.tif's values fit");
		}
		assertNotNull(sentence);
		assertTrue(sentence.startsWith("The image 'a.tif' has values from 0 to 4000"), sentence);

		Job job = run(folder, model, tmp.resolve("out"), 1);
		assertEquals(List.of(LINE + sentence + " (2 of the 3 images are so.)"), job.warnings(), job.err());
	}

	@Test
	void sixteenBitFilesOfACamerasFewBitsGetOneNoteFromTheDriver() throws Exception {
		Path model = SparkBatchTest.TEST_IMAGES.resolve("models/known-answer"), folder = tmp.resolve("camera");
		Files.createDirectories(folder);
		// 12-bit data (up to 4000) and data that fills the 16-bit range (up to 60000) under unit_range
		for (ImagePlus imp : List.of(InputWarningsMergeTest.sixteen("d.tif", 4000), InputWarningsMergeTest.sixteen("e.tif", 60000))) {
			assertTrue(IJ.saveAsTiff(imp, folder.resolve(imp.getTitle()).toString()));
		}
		String note;
		try (Classifier opened = Models.open(model)) {
			note = Models.narrowSixteenBitNote(ImageFiles.open(folder.resolve("d.tif"), false), opened);
			assertNull(Models.narrowSixteenBitNote(ImageFiles.open(folder.resolve("e.tif"), false), opened), "e.tif fills the range");
			List<String> local = new java.util.ArrayList<>();
			Models.warnDomain(List.of(ImageFiles.open(folder.resolve("d.tif"), false)), opened, local::add);
			assertEquals(List.of("ConceptScope note: " + note), local, "the note is the local one");
		}
		assertNotNull(note);
		assertTrue(note.startsWith("'d.tif' is 16-bit with values up to 4000 (12-bit data?)"), note);

		Job job = run(folder, model, tmp.resolve("out"), 1);
		assertEquals(List.of(NOTE + note), job.warnings(), job.err());
	}

	@Test
	void filesFarFromTheModelsCardGetOneLineFromTheDriver() throws Exception {
		Path folder = tmp.resolve("patches");
		Files.createDirectories(folder);
		ImagePlus patches = IJ.openImage(SparkBatchTest.TEST_IMAGES.resolve("images/ihc-heldout-patches.tif").toString());
		save(patches, 1, 1, folder.resolve("patch-01.tif"));
		save(patches, 2, 2, folder.resolve("patch-02.tif"));
		save(patches, 3, 5, folder.resolve("patch-03-stack.tif"));
		// a black patch and a flat grey one: nothing like the stained tissue the model was trained on
		assertTrue(IJ.saveAsTiff(new ImagePlus("black.tif", new ColorProcessor(32, 32)), folder.resolve("black.tif").toString()));
		ColorProcessor grey = new ColorProcessor(32, 32);
		grey.setColor(new java.awt.Color(128, 128, 128));
		grey.fill();
		assertTrue(IJ.saveAsTiff(new ImagePlus("grey.tif", grey), folder.resolve("grey.tif").toString()));
		String sentence;
		try (Classifier opened = Models.open(SparkBatchTest.MODEL)) {
			sentence = Models.farFromDomain(ImageFiles.open(folder.resolve("black.tif"), false), opened);
			assertNotNull(Models.farFromDomain(ImageFiles.open(folder.resolve("grey.tif"), false), opened), "grey.tif is far");
			for (String p : List.of("patch-01.tif", "patch-02.tif", "patch-03-stack.tif")) {
				assertNull(Models.farFromDomain(ImageFiles.open(folder.resolve(p), false), opened), p + " is a held-out patch");
			}
		}
		assertNotNull(sentence, "black.tif is far");

		// 7 slices in parts of 2: the stack's three slices lie in two parts, and it is checked (and counted) once
		String line = LINE + Models.withSetCount(sentence, "2 of the 5 images checked are far");
		Job job = run(folder, SparkBatchTest.MODEL, tmp.resolve("out"), 2);
		assertEquals(List.of(line), job.warnings(), job.err());

		// the same with a ROI on every file (its regions explained alone): each file checked once, not by each part it has ROIs in
		Path zip = tmp.resolve("RoiSet.zip");
		ij.gui.Roi square = new ij.gui.Roi(8, 8, 16, 16);
		square.setName("square");
		try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
			z.putNextEntry(new java.util.zip.ZipEntry("square.roi"));
			z.write(ij.io.RoiEncoder.saveAsByteArray(square));
			z.closeEntry();
		}
		Job regions = run(folder, SparkBatchTest.MODEL, tmp.resolve("regions"), 2, "rois=" + zip);
		assertTrue(Files.exists(tmp.resolve("regions/patches-saliency-regions.csv")), regions.err());
		assertEquals(List.of(line), regions.warnings(), regions.err());
	}

	@Test
	void filesWhoseChannelLabelsAreInAnotherOrderThanAPackagesGetOneLineFromTheDriver() throws Exception {
		Path model = InputWarningsMergeTest.namedChannelsPackage(tmp.resolve("ihc-named-channels"), "red, green, blue"), folder = tmp.resolve("channels");
		Files.createDirectories(folder);
		Path first = InputWarningsMergeTest.threeChannels(folder, "a-swapped.tif", "blue", "red", "green");
		InputWarningsMergeTest.threeChannels(folder, "b-matching.tif", "Red", "green ", "BLUE");
		InputWarningsMergeTest.threeChannels(folder, "c-swapped.tif", "green", "blue", "red");
		String sentence;
		try (Classifier opened = Models.open(model)) {
			sentence = Models.channelNames(ImageFiles.open(first, false), opened);
		}
		assertNotNull(sentence);
		assertTrue(sentence.startsWith("The image 'a-swapped.tif' has its channels labelled blue, red, green"), sentence);

		Job job = run(folder, model, tmp.resolve("out"), 1);
		assertEquals(List.of(LINE + sentence + " (2 of the 3 images are so; the run reads the files as saved, so save them with their channels"
			+ " arranged or relabelled.)"), job.warnings(), job.err());
	}

	private static void save(ImagePlus source, int from, int to, Path file) {
		ImageStack stack = new ImageStack(source.getWidth(), source.getHeight());
		for (int z = from; z <= to; z++) stack.addSlice(source.getStack().getProcessor(z).duplicate());
		assertTrue(IJ.saveAsTiff(new ImagePlus(file.getFileName().toString(), stack), file.toString()));
	}
}
