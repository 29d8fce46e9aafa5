package io.flinfer.engine.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes the TorchScript archive that {@code torch::jit::load} reads, for a module whose code is
 * given as TorchScript source: a zip of uncompressed entries {@code archive/version},
 * {@code archive/constants.pkl} (an empty tuple), {@code archive/data.pkl} (the module object with
 * its initial attributes) and {@code archive/code/__torch__.py}. The module has no parameters:
 * tensors reach it through its methods.
 */
public final class TorchScriptArchive {
    /** The file-format version: 10 needs no operator upgraders in libtorch 2.x. */
    private static final String VERSION = "10";

    private TorchScriptArchive() {}

    /**
     * @param className the class the source declares, under {@code __torch__}
     * @param attributes the module's attributes and their initial values: Boolean, Integer, Double, or an
     *     empty List (filled later by a method)
     */
    public static byte[] write(String className, String source, Map<String, Object> attributes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            entry(zip, "archive/version", VERSION.getBytes(StandardCharsets.US_ASCII));
            entry(zip, "archive/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            entry(zip, "archive/data.pkl", moduleObject(className, attributes));
            entry(zip, "archive/code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void entry(ZipOutputStream zip, String name, byte[] content) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(content.length);
        entry.setCompressedSize(content.length);
        CRC32 crc = new CRC32();
        crc.update(content);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(content);
        zip.closeEntry();
    }

    /**
     * Pickle protocol 2 of {@code __torch__.<className>()} whose state is {@code attributes}: GLOBAL,
     * NEWOBJ with no arguments, then BUILD with the attribute dictionary.
     */
    private static byte[] moduleObject(String className, Map<String, Object> attributes) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2);
        p.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII));
        p.write(')');
        p.write(0x81);
        p.write('}');
        p.write('(');
        attributes.forEach((name, value) -> {
            string(p, name);
            value(p, value);
        });
        p.write('u');
        p.write('b');
        p.write('.');
        return p.toByteArray();
    }

    private static void string(ByteArrayOutputStream p, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        p.writeBytes(ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(utf8.length).array());
        p.writeBytes(utf8);
    }

    private static void value(ByteArrayOutputStream p, Object value) {
        if (value instanceof Boolean b) {
            p.write(b ? 0x88 : 0x89);
        } else if (value instanceof Integer i) {
            p.write('J'); // BININT: a 4-byte little-endian signed int
            p.writeBytes(ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(i).array());
        } else if (value instanceof Double d) {
            p.write('G');
            p.writeBytes(ByteBuffer.allocate(8).putDouble(d).array());
        } else if (value instanceof List<?> list && list.isEmpty()) {
            p.write(']');
        } else {
            throw new IllegalArgumentException("cannot pickle attribute value " + value);
        }
    }
}
