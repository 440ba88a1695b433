package org.conceptscope.fiji;

import org.conceptscope.fiji.write.AtomicFiles;
import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import org.conceptscope.fiji.run.Demo;
import org.conceptscope.fiji.run.Explainer;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.plugin.SubstackMaker;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.fiji.run.AttributionMethods;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.testsupport.ChildJvm;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resumable command-line batch runner: a run halted after two parts (kill -9 style), and a
 * run stopped by SIGTERM then killed by SIGKILL at an arbitrary moment, each resumed; the resumed
 * results equal those of a run that never stopped, no part is computed twice, and runs with other
 * settings, or while another run works in the same folder, are refused. The maps are the Attribution command's for the same settings (SmoothGrad
 * included, whose noise depends on a slice's index in its image). A folder is one run whose parts
 * span its files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchTest {

	@TempDir
	Path work;

	private final Path testImages = TestFiles.testImages();
	private final Path model = testImages.resolve("models/ihc-stain");
	private ImagePlus patches;
	private TensorFlowClassifier classifier;

	@BeforeAll
	void load() {
		patches = IJ.openImage(testImages.resolve(Demo.IMAGE).toString());
		classifier = TensorFlowClassifier.load(model);
	}

	@AfterAll
	void close() {
		classifier.close();
	}

	/** What a run wrote: the CSV rows (header first), the map stack, the ROIs. */
	record Outputs(List<List<String>> csv, ImagePlus maps, List<Roi> rois) {}

	@Test
	void aRunHaltedAfterTwoPartsResumesWithTheRestAndMatchesAnUninterruptedRun() throws Exception {
		Path stack = TestFiles.cyclingStack(patches, 18, work.resolve("eighteen.tif"));
		Path halted = work.resolve("halted"), whole = work.resolve("whole");
		Process child = start(2, 0, args(stack, halted, "method=smoothgrad", "samples=4", "batch=4"));
		assertTrue(child.waitFor(2, TimeUnit.MINUTES));
		assertEquals(BatchChild.HALTED, child.exitValue(), "the child halted itself after its second part");
		Path parts = halted.resolve(BatchJob.WORK_DIR).resolve(BatchJob.PARTS);
		assertEquals(List.of("part-000000.bin", "part-000001.bin"), TestFiles.names(parts), "two parts committed, nothing else");
		assertFalse(Files.exists(halted.resolve("eighteen-smoothgrad-results.csv")), "no result before every part is done");
		// what a kill while the results were written leaves: a hidden temporary map stack beside the target
		Path leftover = Files.write(halted.resolve(".eighteen-smoothgrad-map.tif.1f2e3d" + AtomicFiles.TEMP_SUFFIX), new byte[4096]);

		BatchJob.Result resumed = BatchJob.run(job(args(stack, halted, "method=smoothgrad", "samples=4", "batch=4")),
			Progress.NONE, null);
		assertFalse(Files.exists(leftover), "the resume removes a leftover temporary result file");
		assertEquals(5, resumed.parts(), "18 slices in parts of 4");
		assertEquals(3, resumed.computed(), "only the three missing parts are computed");
		assertEquals(2, resumed.kept());
		assertEquals(2, resumed.run());
		assertEquals(Map.of(1, List.of(0, 1), 2, List.of(2, 3, 4)), partsByRun(halted), "each part computed once, by one run");
		assertFalse(Files.exists(parts), "the parts are removed once the results are written");
		assertTrue(Files.readString(halted.resolve(BatchJob.WORK_DIR).resolve(BatchJob.MANIFEST)).contains("\"complete\": true"));

		BatchJob.run(job(args(stack, whole, "method=smoothgrad", "samples=4", "batch=4")), Progress.NONE, null);
		Outputs got = read(halted, "eighteen-smoothgrad"), want = read(whole, "eighteen-smoothgrad");
		assertSameResults(want, got);
		assertEquals(1 + 18, got.csv().size());
		assertEquals(18, got.maps().getStackSize());
		assertEquals(18, got.rois().size());
		for (int z = 1; z <= 18; z++) {
			assertEquals("smoothgrad; " + got.csv().get(z).get(3) + "; slice=" + z, got.rois().get(z - 1).getName());
			assertEquals(z, got.rois().get(z - 1).getPosition(), "the map TIFF is a plain stack: ImageJ places ROIs by stack index");
			assertEquals("patch " + z + " \u00b7 smoothgrad: " + got.csv().get(z).get(3), got.maps().getStack().getSliceLabel(z),
				"the map planes keep their labels over a resume, parts of both runs");
		}

		// The maps the Attribution command gives for the whole stack (noise drawn per slice of the stack).
		AttributionMethod smoothgrad = AttributionMethods.create(job(args(stack, whole, "method=smoothgrad", "samples=4"))
			.attribution());
		Explanation e = Explainer.explain(classifier, IJ.openImage(stack.toString()), smoothgrad, AttributionMethod.PREDICTED,
			"ihc-stain", null);
		for (int z = 1; z <= 18; z++) assertMap(e.map(z - 1), got.maps(), z, "slice " + z);
		assertTrue(TestFiles.names(halted).stream().noneMatch(n -> n.endsWith(AtomicFiles.TEMP_SUFFIX)));
	}

	@Test
	void sigtermThenSigkillKeepTheFinishedPartsAndTheResumeComputesOnlyTheRest() throws Exception {
		Path stack = TestFiles.cyclingStack(patches, 16, work.resolve("sixteen.tif"));
		Path stopped = work.resolve("stopped");
		String[] sobol = { "method=sobol", "grid=4", "designs=16", "batch=2" };
		List<String> arguments = args(stack, stopped, sobol);

		// While a run works in save_dir, a second one is refused.
		Path err1 = work.resolve("run1.txt");
		Process first = start(0, 2, arguments, err1);
		BufferedReader firstOut = awaitParts(first, 2);
		assertEquals("paused", firstOut.readLine());
		IllegalArgumentException busy = assertThrows(IllegalArgumentException.class, () -> BatchJob.run(job(arguments), null, null));
		assertTrue(busy.getMessage().startsWith("Another batch run is working in " + stopped.toAbsolutePath() + ": let it finish"),
			busy.getMessage());
		// SIGTERM (what Ctrl-C and a cluster's time limit send): the run stops after its current part.
		first.getOutputStream().write('\n');
		first.getOutputStream().flush();
		first.destroy();
		assertTrue(first.waitFor(1, TimeUnit.MINUTES));
		String log1 = Files.readString(err1);
		assertEquals(143, first.exitValue(), "ended by SIGTERM, not finished: " + log1);
		assertTrue(log1.contains("they are kept: run the same command again to compute the rest."), log1);
		assertTrue(log1.contains("/16 slices"), "the progress bar, one line per tenth when not on a terminal: " + log1);
		Path parts = stopped.resolve(BatchJob.WORK_DIR).resolve(BatchJob.PARTS);
		int afterFirst = partFiles(parts).size();
		assertTrue(afterFirst >= 2 && afterFirst < 8, afterFirst + " of 8 parts after SIGTERM");

		// An unfinished run is only resumed with the same settings.
		IllegalArgumentException seed = assertThrows(IllegalArgumentException.class,
			() -> BatchJob.run(job(args(stack, stopped, "method=sobol", "grid=4", "designs=16", "batch=2", "seed=7")), null, null));
		assertTrue(seed.getMessage().contains("holds an unfinished batch run that differs in seed (42 then, 7 now): run it again with its"
			+ " settings to finish it, choose another save_dir, or add restart to discard it."), seed.getMessage());
		// Another method writes results of other names, but a save_dir keeps one unfinished run: the refusal says what
		// restart would discard and how to keep it.
		IllegalArgumentException method = assertThrows(IllegalArgumentException.class,
			() -> BatchJob.run(job(args(stack, stopped, "method=saliency")), null, null));
		assertTrue(method.getMessage().contains("holds an unfinished batch run of method=sobol (" + afterFirst + " of 8 parts finished) that"
			+ " differs in method (sobol then, saliency now), and a save_dir keeps one unfinished run, whatever its method: run method=sobol"
			+ " again with its settings to finish it (its results have other names, so this run can follow it here), run this one in another"
			+ " save_dir, or add restart to discard sobol's " + afterFirst + " finished parts."), method.getMessage());
		IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
			() -> BatchJob.run(job(args(stack, stopped, "method=sobol", "grid=4", "designs=16", "batch=3")), null, null));
		assertTrue(batch.getMessage().contains("differs in batch (2 then, 3 now)"), batch.getMessage());
		Path other = TestFiles.cyclingStack(patches, 16, Files.createDirectories(work.resolve("other")).resolve("sixteen.tif"));
		Files.write(other, new byte[] { 1 }, java.nio.file.StandardOpenOption.APPEND);
		IllegalArgumentException input = assertThrows(IllegalArgumentException.class,
			() -> BatchJob.run(job(args(other, stopped, sobol)), null, null));
		assertTrue(input.getMessage().contains("differs in the input file sixteen.tif (its content changed)"), input.getMessage());
		assertEquals(afterFirst, partFiles(parts).size(), "a refused run changes nothing");

		// SIGKILL at an arbitrary moment of the resumed run: no shutdown hook, no finally.
		Process second = start(0, 0, arguments, work.resolve("run2.txt"));
		awaitParts(second, 2);
		second.destroyForcibly();
		assertTrue(second.waitFor(1, TimeUnit.MINUTES));
		assertEquals(137, second.exitValue(), "killed, not finished");
		TreeSet<Integer> kept = partFiles(parts);
		assertTrue(kept.size() >= afterFirst + 2 && kept.size() < 8, kept.size() + " of 8 parts after SIGKILL");

		BatchJob.Result last = BatchJob.run(Batch.parse(arguments.toArray(new String[0])), Progress.NONE, null);
		assertEquals(8 - kept.size(), last.computed(), "the third run computes only the parts missing on disk");
		Map<Integer, List<Integer>> runs = partsByRun(stopped);
		List<Integer> all = new ArrayList<>();
		runs.values().forEach(all::addAll);
		assertEquals(new TreeSet<>(all).size(), all.size(), "no part was committed twice: " + runs);
		TreeSet<Integer> missing = new TreeSet<>();
		for (int k = 0; k < 8; k++) if (!kept.contains(k)) missing.add(k);
		assertEquals(missing, new TreeSet<>(runs.get(3)), "run 3 computed exactly the missing parts");

		Path whole = work.resolve("sobol-whole");
		BatchJob.run(job(args(stack, whole, sobol)), Progress.NONE, null);
		assertSameResults(read(whole, "sixteen-sobol"), read(stopped, "sixteen-sobol"));
		assertTrue(TestFiles.names(stopped).stream().noneMatch(n -> n.endsWith(AtomicFiles.TEMP_SUFFIX)));

		// once Sobol's run is finished, the other method runs in the same save_dir and leaves Sobol's results as they are
		byte[] sobolCsv = Files.readAllBytes(stopped.resolve("sixteen-sobol-results.csv"));
		BatchJob.run(job(args(stack, stopped, "method=saliency")), Progress.NONE, null);
		assertTrue(Files.isRegularFile(stopped.resolve("sixteen-saliency-results.csv")));
		assertArrayEquals(sobolCsv, Files.readAllBytes(stopped.resolve("sixteen-sobol-results.csv")));
	}

	/** A folder finished before the map's RoiSet was named after the map TIFF: its RoiSet is renamed, nothing is computed again. */
	@Test
	void aRunFinishedWithTheOldRoiSetNameIsCompleteAfterARename() throws Exception {
		Path stack = TestFiles.cyclingStack(patches, 4, work.resolve("four.tif")), out = work.resolve("old-names");
		BatchJob.run(job(args(stack, out, "method=saliency")), Progress.NONE, null);
		Path now = out.resolve("four-saliency-map-RoiSet.zip"), old = out.resolve("four-saliency-RoiSet.zip");
		byte[] rois = Files.readAllBytes(now);
		Files.move(now, old); // as the earlier version left it, its records naming the old file
		try (java.util.stream.Stream<Path> records = Files.walk(out.resolve(BatchJob.WORK_DIR))) {
			for (Path r : records.filter(f -> f.toString().endsWith(".json")).toList()) {
				Files.writeString(r, Files.readString(r).replace("four-saliency-map-RoiSet.zip", "four-saliency-RoiSet.zip"));
			}
		}
		// the Attribution command's RoiSet of the same name beside a batch run whose record does not list it is never taken
		Path other = work.resolve("attribution-beside");
		BatchJob.run(job(args(stack, other, "method=saliency")), Progress.NONE, null);
		Files.move(other.resolve("four-saliency-map-RoiSet.zip"), other.resolve("four-saliency-RoiSet.zip"));
		BatchJob.Result recomputed = BatchJob.run(job(args(stack, other, "method=saliency")), Progress.NONE, null);
		assertFalse(recomputed.alreadyComplete(), "its own RoiSet is missing: computed again");
		assertTrue(Files.exists(other.resolve("four-saliency-RoiSet.zip")), "the other file stays");
		List<String> messages = new ArrayList<>();
		BatchJob.Result again = BatchJob.run(job(args(stack, out, "method=saliency")), Progress.NONE, new BatchJob.Events() {
			@Override
			public void message(String line) {
				messages.add(line);
			}
		});
		assertTrue(again.alreadyComplete(), messages.toString());
		assertEquals(0, again.computed());
		assertTrue(messages.get(0).startsWith("Renamed four-saliency-RoiSet.zip to four-saliency-map-RoiSet.zip"), messages.toString());
		assertArrayEquals(rois, Files.readAllBytes(now));
		assertFalse(Files.exists(old));
	}

	@Test
	void aFolderIsOneRunWhosePartsSpanItsFilesAndEachFileGetsItsOwnMaps() throws Exception {
		Path folder = Files.createDirectories(work.resolve("dab"));
		Path a = Files.copy(testImages.resolve(Demo.IMAGE), folder.resolve("a-stack.tif"));
		ImagePlus firstFour = new SubstackMaker().makeSubstack(IJ.openImage(a.toString()), "1-4");
		IJ.saveAsTiff(firstFour, folder.resolve("b-four.tif").toString());
		Files.writeString(folder.resolve("notes.txt"), "not an image");
		Path out = work.resolve("folder-out");
		String[] options = { "method=smoothgrad", "samples=4", "target=DAB-positive", "batch=5", "top_fraction=0.2" };
		BatchJob.Result r = BatchJob.run(job(args(folder, out, options)), Progress.NONE, null);
		assertEquals(16, r.entries(), "12 + 4 slices; the text file is skipped");
		assertEquals(4, r.parts(), "parts of 5: the third holds slices 11-12 of a-stack.tif and 1-3 of b-four.tif");

		Outputs got = read(out, "dab-smoothgrad");
		assertEquals("file", got.csv().get(0).get(0));
		assertEquals(ResultsCsvWriter.header(classifier.classNames()), got.csv().get(0).subList(1, got.csv().get(0).size()));
		assertEquals(1 + 16, got.csv().size());
		assertEquals(16, got.maps().getStackSize(), "one map stack for the folder");
		AttributionMethod smoothgrad = AttributionMethods.create(job(args(folder, out, options)).attribution());
		Explanation ea = Explainer.explain(classifier, IJ.openImage(a.toString()), smoothgrad, 2, "ihc-stain", null);
		Explanation eb = Explainer.explain(classifier, IJ.openImage(folder.resolve("b-four.tif").toString()), smoothgrad, 2,
			"ihc-stain", null);
		ImagePlus ia = IJ.openImage(a.toString()), ib = IJ.openImage(folder.resolve("b-four.tif").toString());
		for (int g = 0; g < 16; g++) {
			boolean inA = g < 12;
			int z = inA ? g + 1 : g - 11;
			List<String> row = got.csv().get(g + 1);
			assertEquals(inA ? "a-stack.tif" : "b-four.tif", row.get(0));
			assertEquals(Integer.toString(z), row.get(1));
			assertEquals("DAB-positive", row.get(got.csv().get(0).indexOf("target")));
			assertMap((inA ? ea : eb).map(z - 1), got.maps(), g + 1, row.get(0) + " slice " + z + " as explaining its own file");
			Roi roi = got.rois().get(g);
			assertEquals("smoothgrad; DAB-positive; " + row.get(0) + "; slice=" + z, roi.getName());
			assertEquals(g + 1, roi.getPosition(), "the ROI sits on its plane (stack index) of the folder's map stack");
			assertEquals("0.200000", roi.getProperty("top_fraction"));
			String slice = org.conceptscope.fiji.image.SliceLabels.shortLabel(inA ? ia : ib, z, 1);
			assertEquals((inA ? "a-stack:" : "b-four:") + (slice.isEmpty() ? Integer.toString(z) : slice) + " \u00b7 smoothgrad: DAB-positive",
				got.maps().getStack().getSliceLabel(g + 1), "a folder's map plane names its file and slice");
		}

		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream err = new PrintStream(text, true, StandardCharsets.UTF_8);
		assertEquals(0, Batch.run(args(folder, out, options).toArray(new String[0]), err, err, null));
		assertTrue(text.toString(StandardCharsets.UTF_8).contains("Already complete: " + out.toAbsolutePath()), text.toString());
		BatchJob.Result again = BatchJob.run(job(args(folder, out, append(options, "restart"))), Progress.NONE, null);
		assertEquals(4, again.computed(), "restart computes everything again");
	}

	@Test
	void badArgumentsGetOneSentenceAndWriteNothing() throws IOException {
		Path stack = testImages.resolve(Demo.IMAGE), out = work.resolve("refused");
		assertRefused(2, "ConceptScope batch: Unknown option 'stepz'; the keys are: input model method target", args(stack, out, "stepz=3"));
		assertRefused(2, "No input given: set input=<a stack file or a folder of images>.", List.of("model=" + model, "save_dir=" + out));
		assertRefused(2, "The batch runner writes the maps as a stack of their own (output=image)", args(stack, out, "output=channel"));
		// every key a run needs is a usage error when missing (exit 2, as input=), not a problem with a file (1)
		assertRefused(2, "No output folder given: set save_dir=<folder>", List.of("input=" + stack, "model=" + model));
		assertRefused(2, "No model given: set model= to the path of a TensorFlow SavedModel folder (the one holding saved_model.pb), a"
			+ " bioimage.io package (its .zip, its rdf.yaml or the folder holding it), a TorchScript file (.pt, with its conceptscope.json"
			+ " beside it) or an ONNX file (.onnx).", List.of("input=" + stack, "save_dir=" + out));
		List<String> noSuchModel = new ArrayList<>(args(stack, out));
		noSuchModel.set(1, "model=" + work.resolve("no-such-model"));
		assertRefused(1, "The model folder " + work.resolve("no-such-model") + " does not exist: give the path of a TensorFlow SavedModel"
			+ " folder (the one holding saved_model.pb), a bioimage.io package", noSuchModel);
		assertRefused(1, "Target 'mitochondria' is not a class of this model", args(stack, out, "target=mitochondria"));
		assertRefused(1, "does not exist: give a stack file or a folder of images", args(work.resolve("nowhere.tif"), out));
		// what only the model can tell is checked once it is loaded, still before anything is written
		assertRefused(1, "Unknown layer 'nolayer' for Grad-CAM. Spatial layers: [conv1/conv2d,", args(stack, out, "method=gradcam", "layer=nolayer"));
		// a bioimage.io package with TorchScript weights: the sentence says when its SavedModel would run
		assertRefused(1, "EVA reads the model's graph: it needs a TensorFlow SavedModel classifier; use another method for this model, or, if its weights are tensorflow_saved_model_bundle, unzip them", List.of("input=" + stack,
			"model=" + testImages.resolve("models/ihc-resnet-torchscript"), "save_dir=" + out, "method=eva"));
		Path mixed = Files.createDirectories(work.resolve("mixed"));
		Files.copy(stack, mixed.resolve("a.tif"));
		Files.copy(testImages.resolve("images/ct-heldout-patches.tif"), mixed.resolve("b.tif"));
		assertRefused(1, "'b.tif' is 16 x 16 x 1 but 'a.tif' is 32 x 32 x 3: a batch run writes one map stack", args(mixed, out));
		List<String> ctModel = new ArrayList<>(args(stack, out));
		ctModel.set(1, "model=" + testImages.resolve("models/ct-tissue"));
		String message = refusal(1, ctModel);
		assertNotEquals("", message.strip());
		assertFalse(Files.exists(out), "nothing was written for any of them");
	}

	/**
	 * An ONNX model without a card: a gradient method is refused in one sentence before anything is
	 * written (it was a stack trace); Occlusion runs, under the file's name (it was null, and the run
	 * failed after computing every part).
	 */
	@Test
	void aCardlessOnnxModelRunsOcclusionAndRefusesGradientsInOneSentence() throws IOException {
		Path stack = testImages.resolve(Demo.IMAGE), out = work.resolve("onnx");
		Path bare = Files.createDirectories(work.resolve("bare-onnx"));
		Files.copy(testImages.resolve("models/ihc-resnet-onnx/weights.onnx"), bare.resolve("weights.onnx"));
		String text = refusal(1, List.of("input=" + stack, "model=" + bare, "save_dir=" + out, "method=saliency"));
		assertTrue(text.startsWith("ConceptScope batch: saliency needs gradients, which the model weights cannot give"), text);
		assertFalse(text.contains("Exception") || text.contains("\tat "), text);
		assertFalse(Files.exists(out), "nothing was written");
		ByteArrayOutputStream log = new ByteArrayOutputStream();
		PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
		assertEquals(0, Batch.run(new String[] { "input=" + stack, "model=" + bare, "save_dir=" + out, "method=occlusion" }, err, err, null),
			log.toString(StandardCharsets.UTF_8));
		Outputs o = read(out, "ihc-heldout-patches-occlusion");
		assertEquals(patches.getStackSize() + 1, o.csv().size(), "a header and one row per slice");
		assertEquals(patches.getStackSize(), o.maps().getStackSize());
	}

	private void assertRefused(int status, String message, List<String> arguments) {
		String text = refusal(status, arguments);
		assertTrue(text.contains(message), text);
	}

	private static String refusal(int status, List<String> arguments) {
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream err = new PrintStream(text, true, StandardCharsets.UTF_8);
		assertEquals(status, Batch.run(arguments.toArray(new String[0]), err, err, null), text.toString(StandardCharsets.UTF_8));
		return text.toString(StandardCharsets.UTF_8);
	}

	private List<String> args(Path input, Path saveDir, String... options) {
		List<String> a = new ArrayList<>(List.of("input=" + input, "model=" + model, "save_dir=" + saveDir));
		a.addAll(List.of(options));
		return a;
	}

	private static BatchJob.Job job(List<String> arguments) {
		return Batch.parse(arguments.toArray(new String[0]));
	}

	private static String[] append(String[] a, String more) {
		String[] out = java.util.Arrays.copyOf(a, a.length + 1);
		out[a.length] = more;
		return out;
	}

	private Process start(int haltAfter, int pauseAfter, List<String> arguments) throws IOException {
		return start(haltAfter, pauseAfter, arguments, work.resolve("child-" + System.nanoTime() + ".txt"));
	}

	/** A {@link BatchChild}; its stderr (the progress bar) goes to a file, its stdout is read by {@link #awaitParts}. */
	private Process start(int haltAfter, int pauseAfter, List<String> arguments, Path stderr) throws IOException {
		List<String> childArgs = new ArrayList<>(List.of(Integer.toString(haltAfter), Integer.toString(pauseAfter)));
		childArgs.addAll(arguments);
		ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(List.of("-Xmx1g", "-XX:MaxDirectMemorySize=512m",
			"-Djava.awt.headless=true"), BatchChild.class, childArgs));
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "1");
		return pb.redirectError(stderr.toFile()).start();
	}

	/** Reads the child's stdout until it has committed {@code count} parts (in this run); the reader, for more. */
	private static BufferedReader awaitParts(Process p, int count) throws IOException {
		BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
		int seen = 0;
		for (String line; seen < count && (line = lines.readLine()) != null;) if (line.startsWith("part-done ")) seen++;
		assertEquals(count, seen, "the child ended before committing " + count + " parts");
		return lines;
	}

	/** Part indices with a committed file. */
	private static TreeSet<Integer> partFiles(Path parts) {
		TreeSet<Integer> out = new TreeSet<>();
		for (String name : TestFiles.names(parts)) {
			if (name.startsWith("part-") && name.endsWith(".bin")) out.add(Integer.parseInt(name.substring(5, name.length() - 4)));
		}
		return out;
	}

	/** The journal's "run r part k ... computed" lines: parts by run. */
	private static Map<Integer, List<Integer>> partsByRun(Path saveDir) throws IOException {
		Pattern line = Pattern.compile(" run (\\d+) part (\\d+) slices \\d+-\\d+ computed$");
		Map<Integer, List<Integer>> out = new TreeMap<>();
		for (String l : Files.readAllLines(saveDir.resolve(BatchJob.WORK_DIR).resolve(BatchJob.JOURNAL))) {
			Matcher m = line.matcher(l);
			if (m.find()) out.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new ArrayList<>()).add(Integer.parseInt(m.group(2)));
		}
		return out;
	}

	private static Outputs read(Path dir, String base) throws IOException {
		List<List<String>> csv = Csv.parse(Files.readString(dir.resolve(base + "-results.csv"), StandardCharsets.UTF_8));
		ImagePlus maps = IJ.openImage(dir.resolve(base + "-map.tif").toString());
		assertTrue(maps != null && maps.getBitDepth() == 32, "the map stack opens as a 32-bit image");
		return new Outputs(csv, maps, RoiZip.read(dir.resolve(base + "-map-RoiSet.zip")));
	}

	/** Same rows (numbers within float rounding), same maps, same ROIs. */
	private static void assertSameResults(Outputs want, Outputs got) {
		assertEquals(want.csv().get(0), got.csv().get(0));
		assertEquals(want.csv().size(), got.csv().size());
		for (int r = 1; r < want.csv().size(); r++) {
			List<String> a = want.csv().get(r), b = got.csv().get(r);
			assertEquals(a.size(), b.size());
			for (int c = 0; c < a.size(); c++) {
				String column = want.csv().get(0).get(c);
				if (column.startsWith("p_") || column.startsWith("map_")) {
					assertEquals(Float.parseFloat(a.get(c)), Float.parseFloat(b.get(c)), 1e-5 * Math.max(1, Math.abs(Float.parseFloat(a.get(c)))),
						"row " + r + " column " + want.csv().get(0).get(c));
				} else {
					assertEquals(a.get(c), b.get(c), "row " + r + " column " + want.csv().get(0).get(c));
				}
			}
		}
		assertEquals(want.maps().getStackSize(), got.maps().getStackSize());
		for (int z = 1; z <= want.maps().getStackSize(); z++) {
			assertMap((float[]) want.maps().getStack().getPixels(z), got.maps(), z, "plane " + z);
			assertEquals(want.maps().getStack().getSliceLabel(z), got.maps().getStack().getSliceLabel(z), "plane " + z);
		}
		assertEquals(want.rois().size(), got.rois().size());
		for (int i = 0; i < want.rois().size(); i++) {
			Roi a = want.rois().get(i), b = got.rois().get(i);
			assertEquals(a.getName(), b.getName());
			assertEquals(a.getZPosition(), b.getZPosition());
			assertEquals(a.getBounds(), b.getBounds(), a.getName());
		}
	}

	private static void assertMap(float[] want, ImagePlus maps, int plane, String what) {
		float scale = 1e-6f;
		for (float v : want) scale = Math.max(scale, Math.abs(v));
		assertArrayEquals(want, (float[]) maps.getStack().getPixels(plane), 1e-4f * scale, what);
	}
}
