package org.conceptscope.updatesite;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Assembles an upload-ready Fiji update site: every file is stored as {@code <path>-<timestamp>}
 * (how the updater stores and downloads uploads), and {@code db.xml.gz} lists each with its Fiji
 * checksum ({@link FijiChecksum}), timestamp and size. Upload the folder's content to the site
 * (new stored files only add to what is there; db.xml.gz replaces the old index).
 * <p>
 * What goes in: the plugin jar (the one holding {@code plugins.config}) under {@code plugins/},
 * because ImageJ 1.x reads menu entries only from jars there; the other runtime jars except
 * those every Fiji ships ({@code fiji-provided.txt}) under {@code jars/}; the TensorFlow natives
 * jar under {@code jars/linux64/} (only Linux x86-64 installs download it); {@code macros/*.ijm}.
 * <p>
 * {@code UpdateSiteAssembler --dependencies <mvn dependency:list file> [--macros <folder>]
 * --out <folder> [--timestamp yyyyMMddHHmmss] [--previous <db.xml.gz>]}
 */
public final class UpdateSiteAssembler {

	public static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);
	static final String NATIVE_PLATFORM = "linux64";
	/** artifactIds too generic to name a jar in Fiji's jars/ alone: their groupId is prefixed. */
	static final Set<String> GENERIC_NAMES = Set.of("api", "core", "common", "engine", "utils", "util");

	/** One file of the site: where it goes in Fiji, where it comes from, its platform (or null) and description. */
	public record Input(String sitePath, Path source, String platform, String description) {}

	/** A Maven artifact from {@code mvn dependency:list -DoutputAbsoluteArtifactFilename=true}. */
	public record Artifact(String groupId, String artifactId, String classifier, String version, Path file) {

		String key() {
			return groupId + ":" + artifactId;
		}
	}

	private UpdateSiteAssembler() {}

	public static void main(String[] args) throws IOException {
		Path deps = null, macros = null, out = null, previous = null;
		String timestamp = null;
		for (int i = 0; i < args.length; i++) {
			String flag = args[i];
			// Maven passes empty properties as empty arguments, or drops them: both mean "not given".
			String value = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "";
			switch (flag) {
				case "--dependencies" -> deps = value.isBlank() ? null : Path.of(value);
				case "--macros" -> macros = value.isBlank() ? null : Path.of(value);
				case "--out" -> out = value.isBlank() ? null : Path.of(value);
				case "--timestamp" -> timestamp = value.isBlank() ? null : value;
				case "--previous" -> previous = value.isBlank() ? null : Path.of(value);
				default -> usage("Unknown argument " + flag + ".");
			}
		}
		if (deps == null || out == null) usage("--dependencies and --out are required.");
		List<Input> inputs = new ArrayList<>(jars(parseDependencyList(Files.readAllLines(deps)), fijiProvided()));
		inputs.addAll(macros(macros));
		List<DbXml.Plugin> plugins = assemble(inputs, out, timestamp == null ? TIMESTAMP.format(Instant.now()) : timestamp, previous);
		System.out.println("Update site in " + out.toAbsolutePath() + " (" + plugins.size() + " records):");
		for (Input in : inputs) System.out.println("  " + in.sitePath() + "  <-  " + in.source());
	}

	private static void usage(String problem) {
		System.err.println(problem);
		System.err.println("Usage: UpdateSiteAssembler --dependencies <dependency list> [--macros <folder>] --out <folder>"
			+ " [--timestamp yyyyMMddHHmmss] [--previous <db.xml.gz>]");
		System.exit(2);
	}

	/** groupId:artifactId of the jars every Fiji installation ships, from the bundled list. */
	public static Set<String> fijiProvided() {
		try (InputStream in = UpdateSiteAssembler.class.getResourceAsStream("fiji-provided.txt")) {
			if (in == null) throw new IllegalStateException("fiji-provided.txt is missing from the assembler's jar.");
			Set<String> keys = new LinkedHashSet<>();
			for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
				String t = line.strip();
				if (!t.isEmpty() && !t.startsWith("#")) keys.add(t);
			}
			return keys;
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/**
	 * Parses the lines of {@code dependency:list} with absolute file names:
	 * {@code groupId:artifactId:type[:classifier]:version:scope:/path [-- module ...]}.
	 */
	public static List<Artifact> parseDependencyList(List<String> lines) {
		List<Artifact> out = new ArrayList<>();
		for (String line : lines) {
			String t = line.strip();
			int module = t.indexOf(" -- ");
			if (module >= 0) t = t.substring(0, module).strip();
			String[] p = t.split(":", -1);
			if (p.length < 6 || t.startsWith("The following")) continue;
			boolean classifier = p.length >= 7 && !p[5].startsWith("/") && !isScope(p[4]);
			int version = classifier ? 4 : 3;
			String path = String.join(":", java.util.Arrays.copyOfRange(p, version + 2, p.length));
			if (path.isEmpty()) continue;
			out.add(new Artifact(p[0], p[1], classifier ? p[3] : null, p[version], Path.of(path)));
		}
		return out;
	}

	private static boolean isScope(String s) {
		return Set.of("compile", "runtime", "provided", "system", "test").contains(s);
	}

	/** The jars of the site: every artifact Fiji lacks, named and placed as the updater expects. */
	public static List<Input> jars(List<Artifact> artifacts, Set<String> fijiProvided) {
		List<Input> out = new ArrayList<>();
		for (Artifact a : artifacts) {
			if (fijiProvided.contains(a.key())) continue;
			if (!Files.isRegularFile(a.file()) || !a.file().toString().endsWith(".jar")) {
				throw new IllegalArgumentException(a.key() + " resolves to " + a.file() + ", not a jar: build with 'package'"
					+ " (mvn -Pupdate-site -DskipTests package -pl update-site -am).");
			}
			boolean natives = a.classifier() != null && a.classifier().startsWith("linux-x86_64");
			String base = GENERIC_NAMES.contains(a.artifactId()) ? a.groupId() + "." + a.artifactId() : a.artifactId();
			// The classifier goes before the version: the updater recognises "name-1.2.3.jar" as
			// version 1.2.3 of "name.jar" (and replaces it on update) only when the version ends the name.
			String name = base + (a.classifier() != null ? "-" + a.classifier() : "") + "-" + a.version() + ".jar";
			String path = natives ? "jars/" + NATIVE_PLATFORM + "/" + name : (holdsPluginsConfig(a.file()) ? "plugins/" : "jars/") + name;
			out.add(new Input(path, a.file(), natives ? NATIVE_PLATFORM : null, description(a)));
		}
		return out;
	}

	/**
	 * Whether a jar carries ImageJ 1.x menu entries: ImageJ reads {@code plugins.config} only from
	 * jars in Fiji's {@code plugins/} folder (as MorphoLibJ and TrackMate ship), never from {@code jars/}.
	 */
	static boolean holdsPluginsConfig(Path jar) {
		try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
			return zip.getEntry("plugins.config") != null;
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot read the jar " + jar + ": " + e.getMessage(), e);
		}
	}

	static String description(Artifact a) {
		return switch (a.key()) {
			case "org.conceptscope:ConceptScope_" -> "ConceptScope: explains TensorFlow, TorchScript and ONNX image classifiers in Fiji:"
				+ " attribution maps, concepts, faithfulness metrics (heat-map channels, ROIs, results tables).";
			case "org.conceptscope:conceptscope-ops" -> "ConceptScope core: classifier runtime on DJL (TensorFlow, PyTorch, ONNX Runtime),"
				+ " explanation methods and metrics.";
			case "ai.djl.pytorch:pytorch-engine" -> "DJL's PyTorch engine: runs TorchScript models for ConceptScope (gradients by autograd).";
			case "ai.djl.pytorch:pytorch-jni" -> "DJL's bridge to libtorch 2.7.1 (native, per platform inside); ConceptScope unpacks it on first"
				+ " use into ~/.conceptscope/djl/pytorch/.";
			case "ai.djl.pytorch:pytorch-native-cpu" -> "libtorch 2.7.1 (CPU) for Linux x86-64, for DJL 0.36: runs TorchScript models;"
				+ " ConceptScope unpacks it on first use into ~/.conceptscope/djl/pytorch/.";
			case "ai.djl.onnxruntime:onnxruntime-engine" -> "DJL's ONNX Runtime engine: runs ONNX models for ConceptScope (forward passes).";
			case "com.microsoft.onnxruntime:onnxruntime" -> "ONNX Runtime 1.21.1 with its natives for every platform; ConceptScope unpacks"
				+ " the Linux x86-64 ones on first use into ~/.conceptscope/onnxruntime/.";
			case "org.tensorflow:tensorflow-core-native" -> "TensorFlow 2.16.1 native libraries for Linux x86-64 (for DJL "
				+ "0.36); ConceptScope unpacks them on first use into ~/.conceptscope/tensorflow/.";
			default -> "Needed by ConceptScope: " + a.groupId() + ":" + a.artifactId() + ":" + a.version() + ".";
		};
	}

	/** macros/*.ijm of the given folder (none when it is null, missing or holds no macro). */
	public static List<Input> macros(Path dir) throws IOException {
		List<Input> out = new ArrayList<>();
		if (dir == null || !Files.isDirectory(dir)) return out;
		try (Stream<Path> files = Files.list(dir)) {
			for (Path f : files.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".ijm"))
				.sorted(Comparator.comparing(Path::toString)).toList()) {
				out.add(new Input("macros/" + f.getFileName(), f, null, "ConceptScope macro " + f.getFileName() + "."));
			}
		}
		return out;
	}

	/**
	 * Writes every input as {@code out/<sitePath>-<timestamp>} and {@code out/db.xml.gz}. With
	 * the site's current db.xml.gz as {@code previous}, a file whose checksum did not change keeps
	 * its old timestamp, a changed one lists its old version as a previous version, and a file no
	 * longer shipped keeps a record with previous versions only (updaters then remove it).
	 *
	 * @return the records written
	 */
	public static List<DbXml.Plugin> assemble(List<Input> inputs, Path out, String timestamp, Path previous) throws IOException {
		if (!timestamp.matches("\\d{14}")) throw new IllegalArgumentException("The timestamp must be yyyyMMddHHmmss, got " + timestamp + ".");
		Set<String> paths = new LinkedHashSet<>();
		for (Input in : inputs) {
			if (!paths.add(unversioned(in.sitePath()))) throw new IllegalArgumentException("Two files would be " + in.sitePath() + " in Fiji.");
		}
		Map<String, DbXml.Plugin> old = new HashMap<>();
		if (previous != null) for (DbXml.Plugin p : DbXml.read(previous)) old.put(unversioned(p.filename()), p);
		if (Files.exists(out)) deleteRecursively(out);
		Files.createDirectories(out);

		record Stamped(Input input, String checksum, String timestamp, long size) {}
		List<Stamped> stamped = new ArrayList<>();
		for (Input in : inputs) {
			String checksum = FijiChecksum.of(in.sitePath(), in.source());
			DbXml.Plugin before = old.get(unversioned(in.sitePath()));
			boolean unchanged = before != null && before.current() != null && before.current().checksum().equals(checksum);
			String ts = unchanged ? before.current().timestamp() : timestamp;
			Path stored = out.resolve(in.sitePath() + "-" + ts);
			Files.createDirectories(stored.getParent());
			Files.copy(in.source(), stored, StandardCopyOption.COPY_ATTRIBUTES);
			stamped.add(new Stamped(in, checksum, ts, Files.size(stored)));
		}
		List<DbXml.Plugin> plugins = new ArrayList<>();
		for (Stamped s : stamped) {
			List<DbXml.Dependency> deps = new ArrayList<>();
			if (s.input().sitePath().startsWith("plugins/")) { // the plugin jar needs every library of the site
				for (Stamped other : stamped) {
					if (other != s && other.input().sitePath().startsWith("jars/")) deps.add(new DbXml.Dependency(other.input().sitePath(), other.timestamp()));
				}
			}
			DbXml.Plugin before = old.remove(unversioned(s.input().sitePath()));
			List<DbXml.Previous> history = new ArrayList<>(before == null ? List.of() : before.previous());
			if (before != null && before.current() != null && !before.current().checksum().equals(s.checksum())) {
				history.add(new DbXml.Previous(before.current().checksum(), before.current().timestamp(), timestamp, before.filename()));
			}
			plugins.add(new DbXml.Plugin(s.input().sitePath(), s.input().platform() == null ? List.of() : List.of(s.input().platform()),
				new DbXml.Version(s.checksum(), s.timestamp(), s.size()), s.input().description(), deps, history));
		}
		for (DbXml.Plugin gone : old.values().stream().sorted(Comparator.comparing(DbXml.Plugin::filename)).toList()) {
			List<DbXml.Previous> history = new ArrayList<>(gone.previous());
			if (gone.current() != null) {
				history.add(new DbXml.Previous(gone.current().checksum(), gone.current().timestamp(), timestamp, gone.filename()));
			}
			plugins.add(new DbXml.Plugin(gone.filename(), gone.platforms(), null, null, List.of(), history));
		}
		Files.write(out.resolve("db.xml.gz"), DbXml.gzip(plugins));
		return plugins;
	}

	/** The updater's version pattern: "jars/name-1.2.3[-qualifier].jar" is version 1.2.3 of "jars/name.jar". */
	private static final Pattern VERSIONED = Pattern.compile("(.+?)(-\\d+(\\.\\d+)+[a-z]?(-[A-Za-z0-9.]+|\\.GA)*)(\\.jar)");

	/** The name the updater matches files by: the version stripped from jar names. */
	static String unversioned(String path) {
		Matcher m = VERSIONED.matcher(path);
		return path.endsWith(".jar") && m.matches() ? m.group(1) + m.group(5) : path;
	}

	private static void deleteRecursively(Path p) throws IOException {
		try (Stream<Path> s = Files.walk(p)) {
			for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.delete(q);
		}
	}
}
