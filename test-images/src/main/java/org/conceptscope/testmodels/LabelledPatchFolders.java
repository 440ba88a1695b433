package org.conceptscope.testmodels;

import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.tensor.FloatTensor;

/**
 * Folders of labelled real patches, one subfolder per class, the way a user hands labelled images
 * to MeGe/ReCo and Train Interpretable Head: held-out patches of test-images/images/ihc.png (RGB, labelled by colour
 * deconvolution) and CT_small.dcm (Hounsfield units, labelled by the tissue at the centre), cut
 * and labelled by the code that made the bundled models' data sets.
 */
public final class LabelledPatchFolders {

	private LabelledPatchFolders() {}

	/**
	 * IHC patches, {@code perClass} of each class spread over the held-out area, as one RGB TIFF
	 * stack per class; the DAB subfolder is written "dab-positive" (case differs from the model's
	 * class) and its last patch is a separate PNG, as real folders mix files.
	 */
	public static Path ihc(Path dir, int perClass) throws IOException {
		PatchDataset d = IhcStainPatches.load(testImages().resolve("images/ihc.png"));
		List<String> names = List.of("background", "hematoxylin", "dab-positive");
		for (int k = 0; k < 3; k++) {
			int[] picks = spread(d.testLabels(), k, perClass);
			Path sub = Files.createDirectories(dir.resolve(names.get(k)));
			ImageStack stack = new ImageStack(32, 32);
			for (int j = 0; j < picks.length; j++) {
				ColorProcessor cp = rgb(d.rawTestPatches(), picks[j]);
				if (k == 2 && j == picks.length - 1) save(new ImagePlus("last", cp), sub.resolve("single.png"), true);
				else stack.addSlice("patch " + picks[j], cp);
			}
			save(new ImagePlus(names.get(k), stack), sub.resolve("patches.tif"), false);
		}
		return dir;
	}

	/**
	 * IHC patches as one RGB TIFF per patch in subfolders named exactly after the model's classes:
	 * {@code perClass} of each class (every third candidate, spread over the area); returns file -> class.
	 */
	public static Map<Path, Integer> ihcFiles(Path folder, int perClass) throws IOException {
		PatchDataset d = IhcStainPatches.load(testImages().resolve("images/ihc.png"));
		Map<Path, Integer> files = new LinkedHashMap<>();
		for (int k = 0; k < d.classes().size(); k++) {
			Path sub = Files.createDirectories(folder.resolve(d.classes().get(k)));
			int found = 0;
			for (int i = 0, seen = 0; i < d.testLabels().length && found < perClass; i++) {
				if (d.testLabels()[i] != k || seen++ % 3 != 0) continue;
				Path file = sub.resolve(String.format("%s-%03d.tif", d.classes().get(k), i));
				save(new ImagePlus(file.getFileName().toString(), rgb(d.rawTestPatches(), i)), file, false);
				files.put(file, k);
				found++;
			}
		}
		return files;
	}

	/** CT patches in HU, {@code perClass} of each class (fewer when a class has fewer), one 32-bit stack per class. */
	public static Path ct(Path dir, int perClass) throws IOException {
		PatchDataset d = CtTissuePatches.load(testImages().resolve("images/CT_small.dcm"));
		for (int k = 0; k < 3; k++) {
			int[] picks = spread(d.testLabels(), k, perClass);
			Path sub = Files.createDirectories(dir.resolve(d.classes().get(k)));
			ImageStack stack = new ImageStack(16, 16);
			for (int i : picks) stack.addSlice("patch " + i, new FloatProcessor(16, 16, patch(d.rawTestPatches(), i)));
			save(new ImagePlus(d.classes().get(k), stack), sub.resolve("patches.tif"), false);
		}
		return dir;
	}

	/** Indices of class k, evenly spread over all its held-out patches. */
	private static int[] spread(int[] labels, int k, int n) {
		int[] all = java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == k).toArray();
		int m = Math.min(n, all.length);
		int[] out = new int[m];
		for (int j = 0; j < m; j++) out[j] = all[(int) ((long) j * all.length / m)];
		return out;
	}

	private static float[] patch(FloatTensor raw, int i) {
		int per = raw.stride0();
		return Arrays.copyOfRange(raw.data(), i * per, (i + 1) * per);
	}

	private static ColorProcessor rgb(FloatTensor raw, int i) {
		float[] p = patch(raw, i);
		int[] px = new int[p.length / 3];
		for (int j = 0; j < px.length; j++) px[j] = ((int) p[j * 3] << 16) | ((int) p[j * 3 + 1] << 8) | (int) p[j * 3 + 2];
		return new ColorProcessor(32, 32, px);
	}

	private static void save(ImagePlus imp, Path file, boolean png) throws IOException {
		FileSaver saver = new FileSaver(imp);
		boolean ok = png ? saver.saveAsPng(file.toString()) : imp.getStackSize() > 1 ? saver.saveAsTiffStack(file.toString())
			: saver.saveAsTiff(file.toString());
		if (!ok) throw new IOException("Could not write " + file);
	}

	/** The repository's test-images folder, found by walking up from the working directory. */
	public static Path testImages() {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			if (Files.isDirectory(dir.resolve("test-images/models"))) return dir.resolve("test-images");
		}
		throw new IllegalStateException("No folder containing test-images/models above " + Path.of("").toAbsolutePath());
	}
}
