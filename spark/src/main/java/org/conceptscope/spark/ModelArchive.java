package org.conceptscope.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A model folder as one zip file for Spark to ship to executors: the folder itself is the zip's
 * top entry, so it keeps its name once unpacked. Stored, not compressed: the weights hardly
 * compress and the archive is read once per executor.
 */
final class ModelArchive {

	private static final java.util.Map<Path, Path> ZIPPED = new java.util.concurrent.ConcurrentHashMap<>();

	private ModelArchive() {}

	/**
	 * Sends the model to every executor once; the path an executor finds it at, relative to
	 * {@link org.apache.spark.SparkFiles#getRootDirectory()} (see {@link #local}). A folder travels
	 * as an archive that Spark unpacks there, since Spark ships only files to a cluster.
	 */
	static String ship(org.apache.spark.SparkContext sc, Path model) throws IOException {
		Path m = model.toAbsolutePath().normalize();
		String name = m.getFileName().toString();
		if (!Files.isDirectory(m)) {
			sc.addFile(m.toString());
			return name;
		}
		Path zip = ZIPPED.get(m);
		if (zip == null) {
			zip = zip(m);
			ZIPPED.put(m, zip);
		}
		sc.addArchive(zip.toString());
		return zip.getFileName() + "/" + name;
	}

	/**
	 * Sends a model already zipped as {@link #zip} writes it (its folder {@code folder} the zip's
	 * top entry) to every executor; the path as {@link #ship} gives it.
	 */
	static String shipZip(org.apache.spark.SparkContext sc, Path zip, String folder) {
		sc.addArchive(zip.toAbsolutePath().toString());
		return zip.getFileName() + "/" + folder;
	}

	/** On an executor: where the shipped model is. */
	static Path local(String shipped) {
		return Path.of(org.apache.spark.SparkFiles.getRootDirectory(), shipped);
	}

	/** A new temporary zip of {@code folder}, removed when the JVM exits. */
	static Path zip(Path folder) throws IOException {
		Path dir = Files.createTempDirectory("conceptscope-model-");
		Path zip = dir.resolve(folder.getFileName() + ".zip");
		dir.toFile().deleteOnExit();
		zip.toFile().deleteOnExit();
		return zip(folder, zip);
	}

	/** Writes {@code folder} as the zip file {@code zip} and returns it. */
	static Path zip(Path folder, Path zip) throws IOException {
		List<Path> files;
		// links followed: a model folder is often a link (models/current -> v7), and Files.walk does not enter a linked start
		try (Stream<Path> s = Files.walk(folder, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
			files = s.filter(Files::isRegularFile).sorted().toList();
		}
		try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
			z.setLevel(0);
			for (Path f : files) {
				String name = folder.getFileName() + "/" + folder.relativize(f).toString().replace('\\', '/');
				z.putNextEntry(new ZipEntry(name));
				Files.copy(f, z);
				z.closeEntry();
			}
		}
		return zip;
	}
}
