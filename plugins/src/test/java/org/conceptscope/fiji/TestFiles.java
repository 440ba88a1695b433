package org.conceptscope.fiji;

import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Finds the bundled test images and macros, and lists output folders. */
public final class TestFiles {

	private TestFiles() {}

	/** The test-images folder, found by walking up from the working directory. */
	public static Path testImages() {
		return org.conceptscope.testmodels.LabelledPatchFolders.testImages();
	}

	/** The project's macros/ folder, found beside test-images. */
	static Path macros() {
		Path dir = testImages().resolveSibling("macros");
		if (!Files.isDirectory(dir)) throw new IllegalStateException("No macros folder at " + dir);
		return dir;
	}

	/** A stack of {@code length} slices cycling through the slices of {@code source} (labels "patch i"), saved as a TIFF. */
	public static Path cyclingStack(ImagePlus source, int length, Path file) {
		ImageStack from = source.getStack(), stack = new ImageStack(source.getWidth(), source.getHeight());
		for (int i = 0; i < length; i++) stack.addSlice("patch " + (i + 1), from.getProcessor(i % from.size() + 1));
		if (!new FileSaver(new ImagePlus(file.getFileName().toString(), stack)).saveAsTiffStack(file.toString())) {
			throw new IllegalStateException("Could not write " + file);
		}
		return file;
	}

	/** File names in a folder, sorted. */
	public static List<String> names(Path dir) {
		try (Stream<Path> s = Files.list(dir)) {
			return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
