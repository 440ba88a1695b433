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

	/** The temporary folders of the archives shipped by each Spark context, deleted when it has stopped ({@link #release}). */
	private static final java.util.Map<org.apache.spark.SparkContext, List<Path>> SHIPPED = new java.util.concurrent.ConcurrentHashMap<>();

	private ModelArchive() {}

	/**
	 * Sends the model to every executor once; the path an executor finds it at (see {@link #local}). A folder
	 * travels as an archive that Spark unpacks there, since Spark ships only files to a cluster; the archive is
	 * made afresh for each job (the folder's content now, not a copy made earlier in this JVM) and deleted when
	 * the context stops ({@link #release}). With a local master the executors are this JVM's threads, which read
	 * the model where it is: nothing is copied (Spark's copy of an archive stays in its temporary folder until
	 * the JVM exits, a model's size per job).
	 */
	static String ship(org.apache.spark.SparkContext sc, Path model) throws IOException {
		Path m = model.toAbsolutePath().normalize();
		if (sc.isLocal()) return m.toString();
		String name = m.getFileName().toString();
		if (!Files.isDirectory(m)) {
			sc.addFile(m.toString());
			return name;
		}
		Path zip = zip(m);
		SHIPPED.computeIfAbsent(sc, c -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(zip.getParent());
		sc.addArchive(zip.toString());
		return zip.getFileName() + "/" + name;
	}

	/** Deletes the archives {@code sc} shipped, once it has stopped (after a failure too). */
	static void release(org.apache.spark.SparkContext sc) {
		List<Path> dirs = SHIPPED.remove(sc);
		if (dirs != null) dirs.forEach(org.conceptscope.util.Folders::deleteTreeQuietly);
	}

	/**
	 * Sends a model already zipped as {@link #zip} writes it (its folder {@code folder} the zip's
	 * top entry) to every executor; the path as {@link #ship} gives it. For a cluster: a local master's tasks
	 * read a model where it is (Spark's copy of a shipped zip would stay in the temporary folder until the JVM exits).
	 */
	static String shipZip(org.apache.spark.SparkContext sc, Path zip, String folder) {
		sc.addArchive(zip.toAbsolutePath().toString());
		return zip.getFileName() + "/" + folder;
	}

	/** On an executor: where the shipped model is (an absolute path: where a local master's threads read it). */
	static Path local(String shipped) {
		DjlGpuCount.drop(); // each task reads its model here, before its engine starts: the executor's log4j2 configuration is in force
		Path p = Path.of(shipped);
		return p.isAbsolute() ? p : Path.of(org.apache.spark.SparkFiles.getRootDirectory(), shipped);
	}

	/** A new temporary zip of {@code folder} (removed when the JVM exits, if not before). */
	static Path zip(Path folder) throws IOException {
		Path dir = Files.createTempDirectory("conceptscope-model-");
		Path zip = dir.resolve(folder.getFileName() + ".zip");
		dir.toFile().deleteOnExit();
		zip.toFile().deleteOnExit();
		return zip(folder, zip);
	}

	/**
	 * Unpacks a zip written by {@link #zip} (its folder the top entry) into {@code into}; an entry that would land
	 * outside {@code into} is refused.
	 */
	static void unzip(byte[] zip, Path into) throws IOException {
		Path root = into.toAbsolutePath().normalize();
		try (java.util.zip.ZipInputStream z = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
			for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
				Path to = root.resolve(e.getName()).normalize();
				if (!to.startsWith(root) || to.equals(root)) throw new IOException("The model archive's entry " + e.getName() + " lies outside its folder.");
				if (e.isDirectory()) {
					Files.createDirectories(to);
				} else {
					Files.createDirectories(to.getParent());
					Files.copy(z, to);
				}
			}
		}
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
