// Are the objects the serialization work relies on present? (doctor, the window's status bar)
#pragma once

#include <string>
#include <vector>

#include "db/pg/pg.hpp"

namespace db {

struct SchemaObject {
    std::string kind;  // column | index | constraint | view | function
    std::string name;
    bool present = false;
};

std::vector<SchemaObject> checkSerializationObjects(Connection& conn);

}  // namespace db
