package org.conceptscope.fiji;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import org.conceptscope.fiji.run.Demo;
import org.conceptscope.fiji.run.Explainer;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.image.ImageFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.testsupport.ChildJvm;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input files and folders as the batch runner and ImageJ's open paths meet them (the issue's
 * hold-out cases): each gets one sentence naming the file or key, what is wrong and what to do,
 * nothing is written or left behind, nothing hangs, and no stack trace reaches the user. Also the
 * inputs that should work: an indexed-colour PNG for an RGB model, two classes of one name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputFilesTest {

	@TempDir
	Path work;

	private final Path testImages = TestFiles.testImages();
	private final Path model = testImages.resolve("models/ihc-stain");
	private final Path stack = testImages.resolve(Demo.IMAGE);
	private ImagePlus patches;
	private TensorFlowClassifier classifier;

	@BeforeAll
	void load() {
		patches = IJ.openImage(stack.toString());
		classifier = TensorFlowClassifier.load(model);
	}

	@AfterAll
	void close() {
		classifier.close();
	}

	// ---- files ImageJ cannot read ----

	@Test
	void emptyTiffGetsASentenceNotAHeadlessException() throws Exception {
		Path empty = Files.createFile(work.resolve("empty.tif"));
		assertOpenRefused(empty, "empty.tif is empty (0 bytes)", "copy the image again");
		Path out = work.resolve("out");
		assertRefused(1, "empty.tif is empty (0 bytes)", args(empty, out));
		Path folder = Files.createDirectories(work.resolve("folder"));
		Files.copy(stack, folder.resolve("a.tif"));
		Files.createFile(folder.resolve("b.tif"));
		assertRefused(1, "b.tif is empty (0 bytes)", args(folder, out));
		assertFalse(Files.exists(out), "nothing written");
	}

	@Test
	void garbageDicomGetsASentence() throws Exception {
		// a DICOM preamble and magic, then a header whose lengths make no sense
		byte[] b = new byte[4096];
		new Random(15).nextBytes(b);
		Arrays.fill(b, 0, 128, (byte) 0);
		System.arraycopy("DICM".getBytes(StandardCharsets.US_ASCII), 0, b, 128, 4);
		ByteBuffer.wrap(b, 132, 16).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x0028).putShort((short) 0x0010).put("US".getBytes(
			StandardCharsets.US_ASCII)).putShort((short) 2).putShort((short) -3);
		Path dcm = Files.write(work.resolve("garbage.dcm"), b);
		assertOpenRefused(dcm, "ImageJ could not read " + dcm.toAbsolutePath(), "convert it to TIFF");
		Path out = work.resolve("out");
		assertRefused(1, "ImageJ could not read " + dcm.toAbsolutePath(), args(dcm, out));
		assertFalse(Files.exists(out));
	}

	@Test
	void aPipeIsRefusedInsteadOfHanging() throws Exception {
		Path fifo = work.resolve("pipe.tif");
		Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
		assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo is available");
		Path out = work.resolve("out");
		assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
			assertOpenRefused(fifo, "pipe.tif is not a regular file (a pipe, device or socket)", "save the image to a file");
			assertRefused(1, "pipe.tif is not a regular file", args(fifo, out));
		});
		assertFalse(Files.exists(out));
	}

	@Test
	void aTruncatedTiffIsRefusedNotRunOnItsFirstSlice() throws Exception {
		Path five = TestFiles.cyclingStack(patches, 5, work.resolve("five.tif"));
		byte[] b = Files.readAllBytes(five);
		int plane = 32 * 32 * 3;
		Path cut = Files.write(work.resolve("cut.tif"), Arrays.copyOf(b, b.length - (int) (3.5 * plane) - 200));
		assertOpenRefused(cut, "cut.tif is truncated: its header declares 5 planes", "holds only 1 complete");
		// cut inside its header: ImageJ's opener failed, then its fallback wanted a display (the reason given was a HeadlessException)
		Path head = Files.write(work.resolve("head.tif"), Arrays.copyOf(b, 100));
		assertOpenRefused(head, "head.tif is truncated inside its TIFF header: copy or save it again.");
	}

	@Test
	void aHugeTiffHeaderGetsAdviceThatFitsNotTheBatchRunner() throws Exception {
		Path huge = hugeTiff(work.resolve("huge.tif"), 100_000);
		Path out = work.resolve("out");
		String text = refusal(1, args(huge, out));
		assertTrue(text.contains("huge.tif is 100000 x 100000 pixels: one plane alone needs about 10.0 GB"), text);
		assertTrue(text.contains("export the region to explain as a smaller TIFF"), text);
		assertFalse(text.contains("batch runner"), "a batch-runner user is not told to use the batch runner: " + text);
		assertFalse(Files.exists(out));
	}

	// ---- bounds and save_dir ----

	@Test
	void countsBeyondAnyExplanationAreRefusedBeforeAnythingIsWritten() throws Exception {
		Path out = work.resolve("out");
		// bounds are checked from the arguments alone: a usage error, exit status 2, as any bad value
		assertRefused(2, "smoothgrad: samples=2147483647 is more than 100000", args(stack, out, "method=smoothgrad", "samples=2147483647"));
		assertRefused(2, "Integrated Gradients: steps=1000000000 is more than 100000", args(stack, out, "method=integrated_gradients",
			"steps=1000000000"));
		assertRefused(2, "grid=65536 is more than 1024", args(stack, out, "method=sobol", "grid=65536"));
		String text = refusal(-1, args(stack, out, "method=integrated_gradients", "steps=1e9"));
		assertTrue(text.contains("steps"), "the sentence names the key: " + text);
		assertFalse(Files.exists(out), "no save_dir, no .conceptscope-batch left behind");
	}

	@Test
	void saveDirEqualToTheInputFolderIsRefused() throws Exception {
		Path folder = Files.createDirectories(work.resolve("images"));
		Files.copy(stack, folder.resolve("a.tif"));
		assertRefused(1, "save_dir " + folder.toAbsolutePath() + " is the input folder", args(folder, folder));
		assertEquals(List.of("a.tif"), TestFiles.names(folder), "nothing written into it");
	}

	@Test
	void aFinishedRunIsNotSilentlyReplacedByAnotherTarget() throws Exception {
		Path five = TestFiles.cyclingStack(patches, 5, work.resolve("five.tif"));
		Path out = work.resolve("out");
		runs(args(five, out, "target=hematoxylin"));
		Map<String, byte[]> before = contents(out);
		assertRefused(1, "holds the finished results of a run that differs in", args(five, out, "target=background"));
		assertEquals(before.keySet(), contents(out).keySet(), "the refusal wrote nothing");
		assertUnchanged(before, out);
		runs(args(five, out, "target=background", "restart")); // restart replaces them, as the sentence says
	}

	/**
	 * Another method's run in the same save_dir writes files of its own names: the first run's command
	 * then still says Already complete (it was refused as "a run that differs in method"), and its
	 * results are still guarded against a run with other settings.
	 */
	@Test
	void anotherMethodInTheSameSaveDirLeavesTheFirstRunComplete() throws Exception {
		Path five = TestFiles.cyclingStack(patches, 5, work.resolve("five.tif"));
		Path out = work.resolve("out");
		runs(args(five, out, "method=saliency"));
		Map<String, byte[]> first = contents(out);
		runs(args(five, out, "method=gradcam", "batch=2")); // a batch size of its own: the first command keeps the one it ran with
		String again = runs(args(five, out, "method=saliency"));
		assertTrue(again.contains("Already complete: " + out.toAbsolutePath()), again);
		assertUnchanged(first, out); // gradcam's files beside them are new
		assertRefused(1, "holds the finished results of a run that differs in target (predicted then, background now) (five-saliency-results.csv,",
			args(five, out, "method=saliency", "target=background"));
		String gradcam = runs(args(five, out, "method=gradcam", "batch=2"));
		assertTrue(gradcam.contains("Already complete"), "gradcam's run is complete too: " + gradcam);
	}

	/** A 32-bit stack of three channels, each plane constant, but for one value at one pixel of one slice and channel (from 1 and 0). */
	private static ImagePlus threeChannelStack(String title, int size, int slices, int badSlice, int badChannel, int badPixel, float bad) {
		ImageStack s = new ImageStack(size, size);
		for (int z = 1; z <= slices; z++) {
			for (int c = 0; c < 3; c++) {
				float[] px = new float[size * size];
				Arrays.fill(px, 0.25f * c + 0.1f * z);
				if (z == badSlice && c == badChannel) px[badPixel] = bad;
				s.addSlice("z" + z + " c" + c, new FloatProcessor(size, size, px));
			}
		}
		ImagePlus imp = new ImagePlus(title, s);
		imp.setDimensions(3, slices, 1);
		return imp;
	}

	/** A whole 64x64 image explained tile by tile: its NaN is named by file and slice before a tile runs, as an untiled image's is. */
	@Test
	void aNanInAnImageExplainedTileByTileIsNamedByFileAndSlice() throws Exception {
		ImagePlus imp = threeChannelStack("nan-whole", 64, 3, 2, 2, 64 * 50 + 40, Float.POSITIVE_INFINITY); // in the slice's last tile
		Path file = work.resolve("nan-whole.tif");
		assertTrue(new FileSaver(imp).saveAsTiffStack(file.toString()));
		assertRefused(1, "Slice 2 of 'nan-whole.tif' contains NaN or infinite values: replace them", args(file, work.resolve("nan-whole-out"), "batch=3"));
		String fiji = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> org.conceptscope.fiji.run.AttributionRun.run(
			imp, new org.conceptscope.fiji.run.AttributionSettings().model(model), Progress.NONE)).getMessage();
		assertTrue(fiji.startsWith("Slice 2 of 'nan-whole' contains NaN or infinite values"), fiji);
	}

	@Test
	void aRunThatStoppedBeforeItsFirstPartDoesNotBlockTheCorrectedCommand() throws Exception {
		// slice 2 of a 32-bit stack holds a NaN: the run fails in its first part, after its manifest was written
		ImagePlus imp = threeChannelStack("nan", 32, 4, 2, 1, 100, Float.NaN);
		ImageStack s = imp.getStack();
		Path nan = work.resolve("nan.tif"), out = work.resolve("out");
		assertTrue(new FileSaver(imp).saveAsTiffStack(nan.toString()));
		assertRefused(1, "Slice 2 of 'nan.tif' contains NaN or infinite values: replace them", args(nan, out, "batch=4")); // the pixels, not the normalisation
		assertTrue(Files.exists(out.resolve(BatchJob.WORK_DIR).resolve(BatchJob.MANIFEST)), "the refused run had begun");

		// the corrected image, same command: runs
		for (int i = 1; i <= s.size(); i++) {
			float[] px = (float[]) s.getPixels(i);
			for (int j = 0; j < px.length; j++) if (Float.isNaN(px[j])) px[j] = 0;
		}
		assertTrue(new FileSaver(imp).saveAsTiffStack(nan.toString()));
		List<String> messages = new ArrayList<>();
		BatchJob.Result r = BatchJob.run(Batch.parse(args(nan, out, "batch=4").toArray(new String[0])), Progress.NONE, new BatchJob.Events() {
			@Override
			public void message(String line) {
				messages.add(line);
			}
		});
		assertEquals(4, r.entries());
		assertTrue(messages.stream().anyMatch(m -> m.startsWith("Discarding an unfinished run")), messages.toString());

		// a run stopped before its first part, then one with other settings: runs too
		Path stopped = work.resolve("stopped");
		assertThrows(CancellationException.class, () -> BatchJob.run(Batch.parse(args(stack, stopped, "method=smoothgrad", "samples=2")
			.toArray(new String[0])), (d, t, m) -> false, null));
		runs(args(stack, stopped, "method=smoothgrad", "samples=3"));
	}

	@Test
	void aSaveDirWithBracketsInItsPathWorks() throws Exception {
		Path out = work.resolve("run [2]]x").resolve("out]");
		runs(args(stack, out));
		assertTrue(Files.isRegularFile(out.resolve("ihc-heldout-patches-saliency-results.csv")), TestFiles.names(out).toString());
		runs(args(stack, out)); // and the same command finds it complete
	}

	/**
	 * Under LANG=C (containers, cluster jobs) Java reads file names as ASCII and loses the letters of
	 * "ihc é.tif": the runner says so and how to start it, for a file given and for one in a folder
	 * (it said the file was missing, or that ImageJ's reader failed).
	 */
	@Test
	void aNameTheLocaleCannotWriteSaysHowToStartJava() throws Exception {
		Path folder = Files.createDirectories(work.resolve("locale"));
		Path named = Files.copy(stack, folder.resolve("ihc \u00e9.tif"));
		for (Path input : List.of(named, folder)) {
			ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(List.of("-Xmx512m", "-Djava.awt.headless=true"), Batch.class,
				List.of("input=" + input, "model=" + model, "save_dir=" + work.resolve("locale-out"))));
			pb.environment().keySet().removeIf(k -> k.startsWith("LC_") || k.equals("LANG"));
			pb.environment().put("LC_ALL", "C");
			Process p = pb.redirectErrorStream(true).start();
			String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
			assertTrue(p.waitFor(2, TimeUnit.MINUTES), text);
			assertEquals(input == named ? 2 : 1, p.exitValue(), text);
			assertTrue(text.contains("Java reads file names here as US-ASCII (the locale is LC_ALL=C), in which the letters of this name are"
				+ " lost: start it with LANG=C.UTF-8 (or rename the file with ASCII letters only)."), text);
			assertFalse(text.contains("Exception") || text.contains("does not exist"), text);
		}
		assertFalse(Files.exists(work.resolve("locale-out")), "nothing written");
	}

	@Test
	void anUnwritableSaveDirIsNamed() {
		Path sys = Path.of("/sys");
		assumeTrue(Files.isDirectory(sys), "a read-only file system to write to");
		Path out = sys.resolve("conceptscope-bad-input-test");
		String text = refusal(1, args(stack, out));
		assertTrue(text.contains("Cannot write the results in save_dir " + out), text);
		assertTrue(text.contains("Check that the folder is writable and the disk has space, or choose another save_dir.\n"), text);
		assertFalse(text.contains("finished parts are kept"), "nothing ran, so nothing is kept: " + text);
		assertFalse(text.contains(": " + out + "."), "a reason, not the path again: " + text);
		assertFalse(text.contains("\tat "), "no stack trace");
	}

	// ---- inputs that work ----

	@Test
	void twoClassesOfOneNameGetTwoColumns() throws Exception {
		Path twin = Files.createDirectories(work.resolve("same-names"));
		Files.copy(model.resolve("saved_model.pb"), twin.resolve("saved_model.pb"));
		Path vars = Files.createDirectories(twin.resolve("variables"));
		for (String f : TestFiles.names(model.resolve("variables"))) Files.copy(model.resolve("variables").resolve(f), vars.resolve(f));
		Files.writeString(twin.resolve("conceptscope.json"), "{\"classes\": [\"stain\", \"stain\", \"DAB-positive\"], \"normalization\": \"unit_range\"}");
		Path out = work.resolve("out");
		List<String> a = new ArrayList<>(args(stack, out));
		a.set(1, "model=" + twin);
		runs(a);
		List<String> header = Csv.parse(Files.readString(out.resolve("ihc-heldout-patches-saliency-results.csv"))).get(0);
		assertTrue(header.contains("p_stain") && header.contains("p_stain#2") && header.contains("p_DAB-positive"), header.toString());
		assertEquals(header.size(), new java.util.HashSet<>(header).size(), "every column name once: " + header);
	}

	@Test
	void anIndexedColourPngIsExplainedAsTheRgbColoursOfItsPalette() throws Exception {
		// a real palette PNG: an IHC patch with its colours cut to 3-3-2 bits (at most 256), and the same colours as RGB
		ColorProcessor patch = (ColorProcessor) patches.getStack().getProcessor(7);
		int w = patch.getWidth(), h = patch.getHeight();
		Map<Integer, Integer> index = new LinkedHashMap<>();
		int[] rgb = new int[w * h];
		byte[] idx = new byte[w * h];
		for (int i = 0; i < rgb.length; i++) {
			int c = patch.get(i) & 0xe0e0c0;
			rgb[i] = c;
			idx[i] = (byte) (int) index.computeIfAbsent(c, k -> index.size());
		}
		assertTrue(index.size() > 8 && index.size() <= 256, index.size() + " colours");
		byte[] r = new byte[index.size()], g = new byte[index.size()], b = new byte[index.size()];
		index.forEach((c, i) -> {
			r[i] = (byte) (c >> 16);
			g[i] = (byte) (c >> 8);
			b[i] = (byte) (int) c;
		});
		BufferedImage indexed = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, index.size(), r, g, b));
		indexed.getRaster().setDataElements(0, 0, w, h, idx);
		Path png = work.resolve("indexed.png");
		assertTrue(ImageIO.write(indexed, "png", png.toFile()));

		ImagePlus opened = ImageFiles.open(png, false);
		assertTrue(opened.getBitDepth() == 8 && opened.getNChannels() == 1 && opened.getProcessor().isColorLut(),
			"ImageJ opens it as an 8-bit image with a palette");
		byte[] before = ((byte[]) opened.getProcessor().getPixels()).clone();
		ImagePlus plain = new ImagePlus("rgb", new ColorProcessor(w, h, rgb));

		Explanation got = Explainer.explain(classifier, opened, new Saliency(), AttributionMethod.PREDICTED, "ihc-stain", null);
		Explanation want = Explainer.explain(classifier, plain, new Saliency(), AttributionMethod.PREDICTED, "ihc-stain", null);
		for (int k = 0; k < 3; k++) assertEquals(want.probability(0, k), got.probability(0, k), 1e-6, "class " + k);
		assertArrayEquals(want.map(0), got.map(0), 1e-6f, "the same map as for the RGB image of the same colours");
		assertTrue(opened.getBitDepth() == 8 && opened.getProcessor().isColorLut(), "the image is still a palette image");
		assertArrayEquals(before, (byte[]) opened.getProcessor().getPixels(), "its pixels are unchanged");

		Path out = work.resolve("out");
		runs(args(png, out)); // the batch runner takes it too
	}

	/**
	 * A long 8-bit stack with a palette, read as a virtual stack: an RGB model is given each plane's
	 * colours when that plane is read, never the whole stack converted at once (it was converted whole,
	 * in memory, only to check the input's domain); the batch runner's results are those of the RGB stack
	 * of the same colours.
	 */
	@Test
	void aVirtualPaletteStackIsReadAsItsColoursOnePlaneAtATime() throws Exception {
		int n = 24, w = 32, h = 32;
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int i = 0; i < 256; i++) {
			r[i] = (byte) (255 - i);
			g[i] = (byte) (i * 7);
			b[i] = (byte) (i / 2 + 100);
		}
		IndexColorModel palette = new IndexColorModel(8, 256, r, g, b);
		ImageStack indexed = new ImageStack(w, h, palette), rgb = new ImageStack(w, h);
		for (int z = 0; z < n; z++) {
			ColorProcessor patch = (ColorProcessor) patches.getStack().getProcessor(z % patches.getStackSize() + 1);
			byte[] px = new byte[w * h];
			int[] colours = new int[w * h];
			for (int i = 0; i < px.length; i++) {
				int v = (patch.get(i) >> 8 & 0xff) ^ z; // any index, different on every plane
				px[i] = (byte) v;
				colours[i] = (r[v] & 0xff) << 16 | (g[v] & 0xff) << 8 | b[v] & 0xff;
			}
			indexed.addSlice("p" + z, new ij.process.ByteProcessor(w, h, px, palette));
			rgb.addSlice("p" + z, new ColorProcessor(w, h, colours));
		}
		Path tif = work.resolve("palette-stack.tif"), plain = work.resolve("rgb-stack.tif");
		assertTrue(new FileSaver(new ImagePlus("palette-stack", indexed)).saveAsTiffStack(tif.toString()));
		assertTrue(new FileSaver(new ImagePlus("rgb-stack", rgb)).saveAsTiffStack(plain.toString()));

		ImagePlus virtual = ImageFiles.open(tif, true);
		assertTrue(virtual.getStack().isVirtual() && virtual.getProcessor().isColorLut(), "a virtual stack with its palette");
		ImagePlus colours = org.conceptscope.fiji.run.Models.paletteAsRgb(virtual, classifier);
		assertTrue(colours.getStack().isVirtual(), "the colours stay a virtual stack: a plane is converted when it is read");
		assertEquals(n, colours.getStackSize());
		for (int z = 1; z <= n; z += 7) {
			assertArrayEquals((int[]) rgb.getProcessor(z).getPixels(), masked((int[]) colours.getStack().getProcessor(z).getPixels()), "plane " + z);
		}

		Path outPalette = work.resolve("palette-out"), outRgb = work.resolve("rgb-out");
		runs(args(tif, outPalette, "batch=5"));
		runs(args(plain, outRgb, "batch=5"));
		List<List<String>> got = Csv.parse(Files.readString(outPalette.resolve("palette-stack-saliency-results.csv")));
		List<List<String>> want = Csv.parse(Files.readString(outRgb.resolve("rgb-stack-saliency-results.csv")));
		assertEquals(want.size(), got.size());
		for (int row = 1; row < want.size(); row++) {
			assertEquals(want.get(row).subList(3, want.get(row).size()), got.get(row).subList(3, got.get(row).size()), "row " + row);
		}
	}

	/** RGB values without ImageJ's alpha byte. */
	private static int[] masked(int[] argb) {
		int[] out = new int[argb.length];
		for (int i = 0; i < out.length; i++) out[i] = argb[i] & 0xffffff;
		return out;
	}

	// ---- helpers ----

	/** A TIFF header declaring one 8-bit plane of size x size, the file as long as the plane (sparse: no disk used). */
	private static Path hugeTiff(Path file, int size) throws Exception {
		short[][] entries = { { 256, 4 }, { 257, 4 }, { 258, 3 }, { 259, 3 }, { 262, 3 }, { 273, 4 }, { 277, 3 }, { 278, 4 }, { 279, 4 } };
		int dataOffset = 8 + 2 + entries.length * 12 + 4;
		long[] values = { size, size, 8, 1, 1, dataOffset, 1, size, 0xffffffffL };
		ByteBuffer bb = ByteBuffer.allocate(dataOffset).order(ByteOrder.LITTLE_ENDIAN);
		bb.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8).putShort((short) entries.length);
		for (int i = 0; i < entries.length; i++) {
			bb.putShort(entries[i][0]).putShort(entries[i][1]).putInt(1);
			if (entries[i][1] == 3) bb.putShort((short) values[i]).putShort((short) 0);
			else bb.putInt((int) values[i]);
		}
		bb.putInt(0);
		Files.write(file, bb.array());
		try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
			f.setLength(dataOffset + (long) size * size);
		}
		return file;
	}

	private static void assertOpenRefused(Path file, String... parts) {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFiles.open(file, true));
		for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' lacks '" + p + "'");
	}

	private static Map<String, byte[]> contents(Path dir) throws Exception {
		Map<String, byte[]> m = new LinkedHashMap<>();
		for (String n : TestFiles.names(dir)) if (Files.isRegularFile(dir.resolve(n))) m.put(n, Files.readAllBytes(dir.resolve(n)));
		return m;
	}

	/** Every file of {@code before} is still in {@code dir} with the same bytes. */
	private static void assertUnchanged(Map<String, byte[]> before, Path dir) throws Exception {
		Map<String, byte[]> now = contents(dir);
		assertTrue(now.keySet().containsAll(before.keySet()), "still there: " + before.keySet() + " in " + now.keySet());
		for (String name : before.keySet()) assertArrayEquals(before.get(name), now.get(name), name + " is unchanged");
	}

	/** Runs the batch runner, which must succeed; what it printed. */
	private static String runs(List<String> arguments) {
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
		int status = Batch.run(arguments.toArray(new String[0]), out, out, null);
		assertEquals(0, status, text.toString(StandardCharsets.UTF_8));
		return text.toString(StandardCharsets.UTF_8);
	}

	private void assertRefused(int status, String message, List<String> arguments) {
		String text = refusal(status, arguments);
		assertTrue(text.contains(message), text);
	}

	/** The runner's output for arguments it refuses with {@code status} (any non-zero status when -1); never a stack trace. */
	private static String refusal(int status, List<String> arguments) {
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream err = new PrintStream(text, true, StandardCharsets.UTF_8);
		int got = Batch.run(arguments.toArray(new String[0]), err, err, null);
		String s = text.toString(StandardCharsets.UTF_8);
		if (status < 0) assertTrue(got != 0, s);
		else assertEquals(status, got, s);
		assertFalse(s.contains("\tat ") || s.contains("Exception:"), "one sentence, no stack trace: " + s);
		return s;
	}

	private List<String> args(Path input, Path saveDir, String... options) {
		List<String> a = new ArrayList<>(List.of("input=" + input, "model=" + model, "save_dir=" + saveDir));
		a.addAll(List.of(options));
		return a;
	}
}
