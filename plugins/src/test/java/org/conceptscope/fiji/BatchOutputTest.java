package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ImageProcessor;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import org.conceptscope.fiji.run.Demo;
import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the batch runner prints where, as a script meets it: the runner's main in a JVM of its own
 * (as {@code java -jar conceptscope-batch.jar} starts it), stdout and stderr read apart. stdout holds
 * the summary line and the result paths only; the inputs' warnings go to stderr, one line for the run;
 * the summary and the journal give the slices a part really holds, not the automatic batch size; and
 * every bad argument, whichever key it is, is a usage error (exit status 2) before anything is written.
 */
class BatchOutputTest {

	@TempDir
	static Path work;

	private static final Path MODEL = TestFiles.testImages().resolve("models/ihc-stain");

	/**
	 * A folder of five patches, two of them negatives (far from the IHC model's training patches), the
	 * automatic batch size: stdout is the summary (1 part of 5 slices) and three paths, nothing else; stderr
	 * names the first far image once with "2 of the 5 images checked are far".
	 */
	@Test
	void stdoutHoldsTheSummaryAndPathsOnlyAndTheWarningsAreOneLineOnStderr() throws Exception {
		ImagePlus patches = IJ.openImage(TestFiles.testImages().resolve(Demo.IMAGE).toString());
		Path folder = Files.createDirectories(work.resolve("five")), out = work.resolve("five-out");
		for (int z = 1; z <= 5; z++) {
			ImageProcessor ip = patches.getStack().getProcessor(z <= 3 ? z : z - 3).duplicate();
			if (z >= 4) ip.invert(); // negatives of patches 1 and 2
			assertTrue(IJ.saveAsTiff(new ImagePlus("p" + z, ip), folder.resolve("patch-0" + z + ".tif").toString()));
		}
		Printed run = main("five", List.of("input=" + folder, "model=" + MODEL, "save_dir=" + out, "method=smoothgrad", "samples=4"));
		String err = run.err();
		List<String> lines = run.out();
		assertEquals("ConceptScope batch: 5 slices in 1 part of 5 slices; 1 part computed by this run.", lines.get(0),
			"the part's real size, not the automatic batch size");
		String warning = "ConceptScope warning: The image 'patch-04.tif' is far from what the model was trained on";
		assertEquals(1, err.split(java.util.regex.Pattern.quote("ConceptScope warning:"), -1).length - 1, "one warning line for the run: " + err);
		assertTrue(err.contains(warning) && err.contains("(2 of the 5 images checked are far.)"), err);
		String journal = Files.readString(out.resolve(BatchJob.WORK_DIR).resolve(BatchJob.JOURNAL));
		assertTrue(journal.contains("run 1 started: 5 slices in 1 part of 5 slices, 0 done"), journal);
	}

	/**
	 * An 8-bit stack with a colour palette for the RGB model: the note that it is read as its colours, which
	 * ImageJ's Log gives (stdout when headless), goes to stderr in a batch run; stdout keeps the summary and paths.
	 */
	@Test
	void whatImageJsLogSaysDuringARunGoesToStderr() throws Exception {
		ImagePlus patches = IJ.openImage(TestFiles.testImages().resolve(Demo.IMAGE).toString());
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int i = 0; i < 256; i++) {
			r[i] = (byte) (255 - i);
			g[i] = (byte) (i * 7);
			b[i] = (byte) (i / 2 + 100);
		}
		java.awt.image.IndexColorModel palette = new java.awt.image.IndexColorModel(8, 256, r, g, b);
		ij.ImageStack indexed = new ij.ImageStack(patches.getWidth(), patches.getHeight(), palette);
		for (int z = 1; z <= 3; z++) {
			ij.process.ByteProcessor ip = patches.getStack().getProcessor(z).convertToByteProcessor();
			ip.setColorModel(palette);
			indexed.addSlice("p" + z, ip);
		}
		Path tif = work.resolve("palette.tif");
		assertTrue(new ij.io.FileSaver(new ImagePlus("palette", indexed)).saveAsTiffStack(tif.toString()));
		Printed run = main("palette", List.of("input=" + tif, "model=" + MODEL, "save_dir=" + work.resolve("palette-out"), "batch=1"));
		assertEquals("ConceptScope batch: 3 slices in 3 parts of 1 slice; 3 parts computed by this run.", run.out().get(0));
		assertTrue(run.err().contains("is an 8-bit image with a colour palette"), run.err());
	}

	/**
	 * A folder of four 8-bit images with a colour palette (the second a negative, far from the training patches), in parts
	 * of one: the first run, halted after two parts, says the palette note once for the run ("4 of the 4 images"), not once
	 * per file; the same command then resumes and speaks of the two images it explains only: the palette note names the
	 * third image with "2 of the 2 images this run explains", and no line names the first two (the first run's).
	 */
	@Test
	void paletteImagesGetOneNoteForTheRunAndAResumeSpeaksOnlyOfTheImagesItExplains() throws Exception {
		ImagePlus patches = IJ.openImage(TestFiles.testImages().resolve(Demo.IMAGE).toString());
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int i = 0; i < 256; i++) {
			r[i] = (byte) (255 - i);
			g[i] = (byte) (i * 7);
			b[i] = (byte) (i / 2 + 100);
		}
		java.awt.image.IndexColorModel palette = new java.awt.image.IndexColorModel(8, 256, r, g, b);
		Path folder = Files.createDirectories(work.resolve("mixed")), out = work.resolve("mixed-out");
		for (int z = 1; z <= 4; z++) {
			ImageProcessor ip = patches.getStack().getProcessor(z).duplicate();
			if (z == 2) ip.invert(); // far from the training patches
			ip = ip.convertToByteProcessor();
			ip.setColorModel(palette);
			assertTrue(IJ.saveAsTiff(new ImagePlus("f" + z, ip), folder.resolve("f" + z + ".tif").toString()));
		}
		List<String> args = List.of("input=" + folder, "model=" + MODEL, "save_dir=" + out, "batch=1");
		List<String> childArgs = new ArrayList<>(List.of("2", "0"));
		childArgs.addAll(args);
		Path childOut = work.resolve("mixed-halted-stdout.txt"), childErr = work.resolve("mixed-halted-stderr.txt");
		ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(List.of("-Xmx1g", "-Djava.awt.headless=true"), BatchChild.class, childArgs));
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
		Process halted = pb.redirectOutput(childOut.toFile()).redirectError(childErr.toFile()).start();
		assertTrue(halted.waitFor(180, TimeUnit.SECONDS), "the first run halts after two parts");
		String first = Files.readString(childOut) + Files.readString(childErr);
		assertEquals(BatchChild.HALTED, halted.exitValue(), first);
		List<String> notes = first.lines().filter(l -> l.contains("with a colour palette")).toList();
		assertEquals(1, notes.size(), "one palette note for the run: " + first);
		assertTrue(notes.get(0).startsWith("ConceptScope note: 'f1.tif' is an 8-bit image with a colour palette")
			&& notes.get(0).endsWith(" (4 of the 4 images are so.)"), notes.get(0));

		Printed resumed = main("mixed-resumed", args);
		String err = resumed.err();
		assertTrue(err.contains("Resuming: 2 of 4 parts (2 of 4 slices) are done; computing the other 2."), err);
		List<String> said = err.lines().filter(l -> l.contains("with a colour palette")).toList();
		assertEquals(1, said.size(), "the third image's palette note only: " + err);
		assertTrue(said.get(0).startsWith("ConceptScope note: 'f3.tif' is an 8-bit image with a colour palette")
			&& said.get(0).endsWith(" (2 of the 2 images this run explains are so.)"), said.get(0));
		assertFalse(err.contains("'f1.tif'") || err.contains("'f2.tif'"), "nothing about the images the first run explained: " + err);
	}

	/** What the runner's main printed on stdout (lines) and stderr, in a JVM of its own; it must succeed with the summary and three paths. */
	private record Printed(List<String> out, String err) {}

	private static Printed main(String name, List<String> args) throws Exception {
		Path stdout = work.resolve(name + "-stdout.txt"), stderr = work.resolve(name + "-stderr.txt");
		ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(List.of("-Xmx1g", "-Djava.awt.headless=true"), Batch.class, args));
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
		Process child = pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
		boolean ended = child.waitFor(180, TimeUnit.SECONDS);
		if (!ended) child.destroyForcibly().waitFor();
		String err = Files.readString(stderr);
		List<String> lines = Files.readAllLines(stdout);
		assertTrue(ended, err);
		assertEquals(0, child.exitValue(), err);
		assertEquals(4, lines.size(), "the summary and three result paths, nothing else: " + lines + "\nstderr: " + err);
		assertTrue(lines.get(0).startsWith("ConceptScope batch: "), lines.get(0));
		for (String line : lines.subList(1, 4)) assertTrue(Files.isRegularFile(Path.of(line)), "a result file: " + line);
		return new Printed(lines, err);
	}

	/** Parts of 4 for 10 slices: "3 parts of 4 slices (the last of 2)". */
	@Test
	void thePartSizeIsThatOfTheParts() {
		assertEquals("1 part of 12 slices", BatchJob.partsOf(1, 256, 12));
		assertEquals("3 parts of 4 slices (the last of 2)", BatchJob.partsOf(3, 4, 10));
		assertEquals("3 parts of 4 slices", BatchJob.partsOf(3, 4, 12));
		assertEquals("3 parts of 1 slice", BatchJob.partsOf(3, 1, 3));
	}

	/**
	 * Every argument that is wrong whatever the files (an unknown method, a value out of its range, a
	 * negative batch, a value of the wrong kind, output=channel, overwrite) exits 2 with its sentence and
	 * the usage, and writes nothing; what only the model can tell (a class it does not have) exits 1.
	 */
	@Test
	void everyBadArgumentIsAUsageErrorAndOnlyWhatTheFilesTellExitsOne() throws Exception {
		Path stack = TestFiles.testImages().resolve(Demo.IMAGE), out = work.resolve("refused");
		String[][] usage = { { "method=foo", "method" }, { "top_fraction=1.5", "top_fraction" }, { "overlap=1", "overlap" },
			{ "batch=-1", "batch must be 0 (automatic) or positive, got -1." }, { "samples=abc", "samples" },
			{ "output=channel", "output=image" }, { "method=smoothgrad", "samples=200000", "samples=200000 is more than 100000" } };
		for (String[] c : usage) {
			List<String> args = new ArrayList<>(List.of("input=" + stack, "model=" + MODEL, "save_dir=" + out));
			args.addAll(List.of(c).subList(0, c.length - 1));
			String text = refusal(2, args);
			assertTrue(text.startsWith("ConceptScope batch: ") && text.contains(c[c.length - 1]), args + ": " + text);
			assertTrue(text.contains("Usage: "), "the usage follows a usage error: " + text);
		}
		String overwrite = refusal(2, List.of("input=" + stack, "model=" + MODEL, "save_dir=" + out, "overwrite"));
		assertTrue(overwrite.startsWith("ConceptScope batch: There is no option 'overwrite': ") && overwrite.contains("add restart"), overwrite);
		assertFalse(overwrite.contains(Batch.class.getSimpleName() + " "), "no class name: " + overwrite);
		String target = refusal(1, List.of("input=" + stack, "model=" + MODEL, "save_dir=" + out, "target=mitochondria"));
		assertTrue(target.contains("'mitochondria' is not a class of this model"), target);
		assertFalse(Files.exists(out), "nothing written");
	}

	private static String refusal(int status, List<String> arguments) {
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream err = new PrintStream(text, true, StandardCharsets.UTF_8);
		assertEquals(status, Batch.run(arguments.toArray(new String[0]), err, err, null), arguments + ": " + text.toString(StandardCharsets.UTF_8));
		return text.toString(StandardCharsets.UTF_8);
	}
}
